"""Demo data on top of the seed: the units the seed only counts, one account per role,
sample initiatives in every status, and an open campaign for the current year.

Everything here is sample data (marked `is_sample`), chosen so that the district's totals
are exactly the seed's 5.342 = 2.771 + 2.571. Running the command twice changes nothing.
"""

import datetime as dt
import json
import random
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from initiatives.models import (
    Initiative,
    RecognisedBy,
    RejectionReason,
    Sector,
    SolutionType,
    Status,
    StatusChange,
    TargetGroup,
)
from initiatives.tracking import ALPHABET, format_code
from quotas.models import Block, Campaign, Level, Membership, Unit
from quotas import progress
from quotas.services import campaign_copy, seed_load, unit_upsert

FIXTURES = Path(settings.BASE_DIR) / "fixtures"

# (status, history after "submitted", unit code, title)
SAMPLES = [
    (Status.SUBMITTED, [], "GLA-STANLEY", "Cải tiến đồ gá lắp ráp công tắc, giảm 15% thời gian thao tác"),
    (Status.SUBMITTED, [], "GLA-XA-03", "Số hoá hồ sơ một cửa tại xã, rút ngắn thời gian trả kết quả"),
    (Status.APPROVED, [Status.APPROVED], "GLA-STANLEY", "Tái sử dụng khay nhựa đóng gói linh kiện"),
    (Status.APPROVED, [Status.APPROVED], "GLA-LIXIL", "Hệ thống nhắc lịch bảo dưỡng khuôn bằng mã QR"),
    (Status.APPROVED, [Status.APPROVED], "GLA-TH-01", "Trò chơi vận động phát triển thể chất cho trẻ mầm non"),
    (Status.REJECTED, [Status.REJECTED], "GLA-STANLEY", "Đề xuất đổi màu sơn tường nhà ăn"),
    (Status.RETURNED, [Status.RETURNED], "GLA-STANLEY", "Giảm tiêu hao điện năng máy nén khí ca đêm"),
    (Status.RESUBMITTED, [Status.RETURNED, Status.RESUBMITTED], "GLA-LIXIL", "Bảng theo dõi an toàn lao động trực quan"),
    (Status.WITHDRAWN, [Status.WITHDRAWN], "GLA-HCSN-04", "Phân luồng bệnh nhân khám sàng lọc"),
]

NOTES = {
    Status.APPROVED: "Sáng kiến đủ điều kiện, được công nhận.",
    Status.REJECTED: "Chưa có quyết định công nhận của hội đồng sáng kiến.",
    Status.RETURNED: "Đề nghị bổ sung bản chụp quyết định công nhận.",
    Status.RESUBMITTED: "Đã bổ sung quyết định công nhận.",
    Status.WITHDRAWN: "Đoàn viên đề nghị rút để hoàn thiện thêm.",
}


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu để chạy thử (đơn vị, tài khoản, sáng kiến mẫu, chương trình năm nay)."

    def handle(self, *args, **options):
        seed = json.loads((FIXTURES / "seed.json").read_text(encoding="utf-8"))
        demo = json.loads((FIXTURES / "demo.json").read_text(encoding="utf-8"))
        with transaction.atomic():
            source = seed_load(seed)
            self._units(demo)
            campaign = self._current_campaign(source)
            users = self._accounts(demo)
            created = self._initiatives(campaign, users.get("canbo"))
            for c in Campaign.objects.all():
                progress.rebuild(c)
        self.stdout.write(self.style.SUCCESS("Đã nạp dữ liệu mẫu (is_sample)."))
        self.stdout.write(f"Chương trình đang mở: {campaign.name} ({campaign.slug})")
        self.stdout.write(f"Sáng kiến mẫu mới tạo: {created}")
        self.stdout.write("Tài khoản dùng thử (mật khẩu chung: %s):" % demo["password"])
        for a in demo["accounts"]:
            self.stdout.write(f"  {a['username']:<10} {a['role']:<15} {a['unit'] or 'toàn hệ thống'}")

    def _units(self, demo):
        district = Unit.objects.get(code=demo["district"])
        groups = [
            (Block.COMMUNE, demo["communes"]),
            (Block.PUBLIC_SERVICE, demo["public_service"]),
            (Block.SCHOOL, demo["schools"]),
        ]
        e = demo["enterprises"]
        groups.append(
            (
                Block.ENTERPRISE,
                [{"code": e["code"].format(n=n), "name": e["name"].format(n=n)} for n in range(1, e["count"] + 1)],
            )
        )
        for block, units in groups:
            for u in units:
                unit_upsert(
                    code=u["code"],
                    name=u["name"],
                    level=Level.GRASSROOTS,
                    block=block,
                    member_count=u.get("members", 0),
                    parent=district,
                    is_sample=True,
                )

    def _current_campaign(self, source: Campaign) -> Campaign:
        """The seed's campaign copied to the programme year that contains today, open."""
        today = timezone.localdate()
        start_year = today.year if (today.month, today.day) >= (9, 1) else today.year - 1
        slug = f"01-trieu-sang-kien-{start_year}"
        existing = Campaign.objects.filter(slug=slug).first()
        if existing:
            return existing
        return campaign_copy(
            source=source,
            slug=slug,
            name=f"01 triệu sáng kiến – năm {start_year}-{start_year + 1} (chạy thử)",
            shift=relativedelta(years=start_year - source.application_start.year),
            is_open=True,
        )

    def _staff_group(self) -> Group:
        """What district staff may do in admin: read everything in their scope, and keep the
        campaigns, rules and targets up to date."""
        group, _ = Group.objects.get_or_create(name="Cán bộ LĐLĐ")
        codenames = ["view_initiative", "view_unit", "view_unittarget", "view_campaign", "view_phase",
                     "view_membership"]
        for model in ("allocationrule", "ruletarget", "allocationoverride"):
            codenames += [f"{action}_{model}" for action in ("view", "add", "change", "delete")]
        group.permissions.set(Permission.objects.filter(codename__in=codenames))
        return group

    def _accounts(self, demo) -> dict:
        User = get_user_model()
        staff_group = self._staff_group()
        users = {}
        for a in demo["accounts"]:
            user, created = User.objects.get_or_create(
                username=a["username"],
                defaults={
                    # A Vietnamese name is written family name first, whole, as get_full_name shows it.
                    "first_name": a["name"],
                    "is_staff": a["role"] in ("district_staff", "admin"),
                    "is_superuser": a["role"] == "admin",
                },
            )
            if created:
                user.set_password(demo["password"])
                user.save(update_fields=["password"])
            if a["role"] == "district_staff":
                user.groups.add(staff_group)
            if a["unit"]:
                Membership.objects.get_or_create(user=user, unit=Unit.objects.get(code=a["unit"]), role=a["role"])
            users[a["username"]] = user
        return users

    def _initiatives(self, campaign: Campaign, officer) -> int:
        rng = random.Random(2026)  # sample codes only; real codes come from tracking.new_code()
        phase = campaign.phases.order_by("number").first()
        created = 0
        for i, (status, moves, unit_code, title) in enumerate(SAMPLES):
            code = format_code("".join(rng.choice(ALPHABET) for _ in range(12)))
            if Initiative.objects.filter(tracking_code=code).exists():
                continue
            unit = Unit.objects.get(code=unit_code)
            submitted_at = timezone.make_aware(
                dt.datetime.combine(phase.starts_on + dt.timedelta(days=7 + 3 * i), dt.time(9, 30))
            )
            enterprise = unit.block == Block.ENTERPRISE
            initiative = Initiative.objects.create(
                campaign=campaign,
                phase=phase,
                unit=unit,
                tracking_code=code,
                status=status,
                full_name=f"Đoàn viên mẫu {i + 1}",
                phone=f"09120000{i:02d}",
                id_number=f"0010900000{i:02d}",
                workplace="Phân xưởng lắp ráp" if enterprise else "",
                sector=Sector.ENTERPRISE if enterprise else Sector.PUBLIC,
                target_group=TargetGroup.WORKER if enterprise else TargetGroup.PUBLIC_EMPLOYEE,
                title=title,
                solution_type=SolutionType.TECHNICAL if enterprise else SolutionType.MANAGEMENT,
                description=f"{title}. Mô tả mẫu: hiện trạng, giải pháp, kết quả áp dụng tại đơn vị.",
                benefit_value=(i + 1) * 5_000_000,
                recognised_by=RecognisedBy.COUNCIL if enterprise else RecognisedBy.HEAD,
                decision_number=f"{10 + i}/QĐ-SK",
                decision_date=campaign.application_start + dt.timedelta(days=5 + i),
                applied_on=campaign.application_start + dt.timedelta(days=10 + i),
                drive_link="https://drive.google.com/drive/folders/mau-minh-chung",
                not_ip_protected=True,
                consent_at=submitted_at,
                rejection_reason=RejectionReason.NOT_RECOGNISED if status == Status.REJECTED else "",
                entered_by=officer if unit_code == "GLA-STANLEY" else None,
                is_sample=True,
                submitted_at=submitted_at,
            )
            history = [StatusChange(initiative=initiative, to_status=Status.SUBMITTED, at=submitted_at)]
            previous = Status.SUBMITTED
            for step, move in enumerate(moves, 1):
                history.append(
                    StatusChange(
                        initiative=initiative,
                        from_status=previous,
                        to_status=move,
                        reason=RejectionReason.NOT_RECOGNISED if move == Status.REJECTED else "",
                        note=NOTES[move],
                        at=submitted_at + dt.timedelta(days=step),
                    )
                )
                previous = move
            StatusChange.objects.bulk_create(history)
            created += 1
        return created
