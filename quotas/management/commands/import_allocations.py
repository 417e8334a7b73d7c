"""Import the seed-shaped allocation table (.xlsx) into a campaign: preview, then apply."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from quotas.excel import apply_import, plan_import, read_allocation_table
from quotas.models import Campaign, Unit


class Command(BaseCommand):
    help = (
        "Nhập bảng phân bổ chỉ tiêu (tệp .xlsx theo mẫu của văn bản gốc) vào một chương trình: "
        "in bản xem trước (thay đổi, cảnh báo, lỗi kèm số dòng), rồi ghi nếu không có lỗi."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp .xlsx")
        parser.add_argument("--campaign", required=True, help="mã chương trình (slug)")
        parser.add_argument("--unit", help="mã đơn vị của bảng (mặc định: đơn vị ghi ở đầu bảng)")
        parser.add_argument("--dry-run", action="store_true", help="chỉ xem trước, không ghi")

    def handle(self, *args, file, campaign, unit=None, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("Không có tệp %(file)s.") % {"file": file})
        found = Campaign.objects.select_related("root").filter(slug=campaign).first()
        if found is None:
            raise CommandError(_("Không có chương trình “%(slug)s”.") % {"slug": campaign})
        scope = None
        if unit:
            scope = Unit.objects.filter(code=unit, path__startswith=found.root.path).first()
            if scope is None:
                raise CommandError(_("Không có đơn vị “%(code)s” trong chương trình này.") % {"code": unit})
        with path.open("rb") as handle:
            parsed = read_allocation_table(handle)
        plan = plan_import(campaign=found, parsed=parsed, unit=scope)
        for line in plan.preview_lines():
            self.stdout.write(line)
        if plan.errors:
            raise CommandError(
                _("Có %(n)d lỗi; chưa ghi gì vào cơ sở dữ liệu.") % {"n": len(plan.errors)}
            )
        if dry_run:
            self.stdout.write(self.style.WARNING(_("Chạy thử (--dry-run): chưa ghi gì.")))
            return
        changed = apply_import(plan=plan)
        self.stdout.write(self.style.SUCCESS(
            _("Đã nhập %(n)d thay đổi và cập nhật chỉ tiêu theo dõi tiến độ.") % {"n": changed}
        ))
