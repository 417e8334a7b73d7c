"""Initiatives (sáng kiến) as the seed's step 3 collects them, their files and their history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from quotas.models import DESCRIPTION_LIMIT_CEILING, Campaign, Phase, Unit
from quotas.text import fold


class Sector(models.TextChoices):
    ENTERPRISE = "enterprise", _("Doanh nghiệp")
    PUBLIC = "public", _("Khối cơ quan")


class TargetGroup(models.TextChoices):
    """The five groups of the seed's step 3 (3)."""

    UNION_OFFICER = "union_officer", _("Cán bộ công đoàn")
    WORKER = "worker", _("Công nhân lao động trong các doanh nghiệp sản xuất, kinh doanh")
    CIVIL_SERVANT = "civil_servant", _(
        "Cán bộ, công chức các cơ quan của Đảng, Nhà nước, Mặt trận Tổ quốc "
        "và các tổ chức chính trị - xã hội"
    )
    PUBLIC_EMPLOYEE = "public_employee", _(
        "Cán bộ, viên chức, người lao động các đơn vị sự nghiệp"
    )
    AGRICULTURE = "agriculture", _(
        "CNVCLĐ có sáng kiến phục vụ công nghiệp hóa, hiện đại hóa nông nghiệp "
        "và phát triển nông thôn"
    )


class SolutionType(models.TextChoices):
    """The kinds of solution an initiative can be (Nghị định 13/2012/NĐ-CP, Điều 3)."""

    TECHNICAL = "technical", _("Giải pháp kỹ thuật")
    MANAGEMENT = "management", _("Giải pháp quản lý")
    OPERATIONAL = "operational", _("Giải pháp tác nghiệp")
    TECH_APPLICATION = "tech_application", _("Giải pháp ứng dụng tiến bộ kỹ thuật")


class RecognisedBy(models.TextChoices):
    """Who recognised the initiative in writing (the seed's Quy trình)."""

    COUNCIL = "council", _("Hội đồng sáng kiến")
    HEAD = "head", _("Thủ trưởng cơ quan, đơn vị, doanh nghiệp")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Đã nộp, chờ xét duyệt")
    RETURNED = "returned", _("Cần bổ sung thông tin")
    RESUBMITTED = "resubmitted", _("Đã bổ sung, chờ xét duyệt")
    APPROVED = "approved", _("Được công nhận")
    REJECTED = "rejected", _("Không được công nhận")
    WITHDRAWN = "withdrawn", _("Đã rút")


class RejectionReason(models.TextChoices):
    """The seed's Lưu ý: what may not take part in the programme, plus duplicates and other."""

    # The seed names its own window (01/9/2021 – 01/9/2022); each campaign has its own.
    OUTSIDE_WINDOW = "outside_window", _("Đưa vào áp dụng ngoài thời gian quy định của Chương trình")
    NOT_RECOGNISED = "not_recognised", _("Chưa được cấp có thẩm quyền công nhận")
    PUBLIC_ORDER = "public_order", _("Trái với trật tự công cộng hoặc đạo đức xã hội")
    IP_PROTECTED = "ip_protected", _("Đang được bảo hộ quyền sở hữu trí tuệ")
    DUPLICATE = "duplicate", _("Trùng lặp")
    OTHER = "other", _("Lý do khác")


class Initiative(models.Model):
    # No index of their own for campaign and unit: the indexes below lead with them.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="initiatives", db_index=False, verbose_name=_("chương trình")
    )
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="initiatives", verbose_name=_("giai đoạn"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="initiatives", verbose_name=_("nơi công tác (CĐCS)"),
        db_index=False,
    )
    tracking_code = models.CharField(_("mã tra cứu"), max_length=16, unique=True)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)

    # (1) Personal information
    full_name = models.CharField(_("Họ và tên"), max_length=120)
    phone = models.CharField(_("Số điện thoại"), max_length=10)
    id_number = models.CharField(_("CMND/Căn cước công dân"), max_length=12)
    workplace = models.CharField(_("Bộ phận, phòng ban"), max_length=255, blank=True)
    sector = models.CharField(_("Khu vực"), max_length=16, choices=Sector.choices)
    email = models.EmailField(_("Thư điện tử"), blank=True)

    # (3) Target group, (4) the initiative
    target_group = models.CharField(_("Đối tượng"), max_length=24, choices=TargetGroup.choices)
    title = models.CharField(_("Tên sáng kiến"), max_length=300)
    solution_type = models.CharField(_("Loại giải pháp"), max_length=24, choices=SolutionType.choices)
    description = models.TextField(_("Mô tả sáng kiến"))
    benefit_value = models.PositiveBigIntegerField(_("Giá trị làm lợi (đồng)"), null=True, blank=True)
    co_authors = models.TextField(_("Đồng tác giả"), blank=True)
    recognised_by = models.CharField(_("Cấp công nhận"), max_length=16, choices=RecognisedBy.choices)
    decision_number = models.CharField(_("Số quyết định công nhận"), max_length=64)
    decision_date = models.DateField(_("Ngày quyết định"))
    applied_on = models.DateField(_("Ngày đưa vào áp dụng"))
    drive_link = models.URLField(_("Đường dẫn Google Drive"), max_length=500, blank=True)

    # (5) Declarations
    not_ip_protected = models.BooleanField(_("Không thuộc diện bảo hộ sở hữu trí tuệ"))
    consent_at = models.DateTimeField(_("Thời điểm đồng ý xử lý dữ liệu cá nhân"))

    rejection_reason = models.CharField(
        _("Lý do không công nhận"), max_length=16, choices=RejectionReason.choices, blank=True
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhập hộ"),
        db_index=False,  # almost always empty: a partial index below
    )
    is_sample = models.BooleanField(_("dữ liệu mẫu"), default=False)
    # Title, submitter and code folded (no diacritics, lower case) for the reviewers' search.
    search_text = models.TextField(editable=False, default="")
    submitted_at = models.DateTimeField(_("Ngày nộp"))
    updated_at = models.DateTimeField(_("Cập nhật"), auto_now=True)

    def validate_constraints(self, exclude=None):
        """Not asked of the database: each check constraint below mirrors a field's own
        validation, which full_clean has already run (the choices; the description's length,
        which the rules hold to the campaign's lower limit). Asking again would cost a query per
        constraint on every submission; the database still enforces them on save."""

    class Meta:
        verbose_name = _("sáng kiến")
        verbose_name_plural = _("sáng kiến")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="initiative_status_valid"),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="initiative_sector_valid"),
            models.CheckConstraint(
                condition=Q(target_group__in=TargetGroup.values), name="initiative_target_group_valid"
            ),
            models.CheckConstraint(
                condition=Q(solution_type__in=SolutionType.values), name="initiative_solution_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(recognised_by__in=RecognisedBy.values), name="initiative_recognised_by_valid"
            ),
            models.CheckConstraint(
                condition=Q(rejection_reason__in=["", *RejectionReason.values]),
                name="initiative_rejection_reason_valid",
            ),
            # The campaign's own limit (2000) is checked by the rules; the database holds the ceiling.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_LIMIT_CEILING),
                name="initiative_description_ceiling",
            ),
        ]
        indexes = [
            # A scope's initiatives by unit: the review queue's status counts, its first page
            # (newest first) and its search read this index alone, never the table
            # (PostgreSQL's INCLUDE). The search text makes the index 1.8 times wider, and spares
            # a district's search a visit to every one of its rows (measured: 67 → 5 ms). The
            # target group is there for a district's queue filtered by it (4,000 heap visits a
            # page without it: 25 → 5 ms).
            models.Index(
                fields=["unit", "phase", "status"],
                include=["campaign", "submitted_at", "id", "search_text", "target_group"],
                name="initiative_scope_covering",
            ),
            # Possible duplicates (same ID number in a campaign) and a person's data requests.
            models.Index(fields=["campaign", "id_number"], name="initiative_campaign_id_number"),
            models.Index(fields=["phone"], name="initiative_phone"),
            # Entered by an officer for a member: rare, so only those rows are indexed (the
            # user's deletion asks for them); every index costs each submission a write.
            models.Index(fields=["entered_by"], condition=Q(entered_by__isnull=False), name="initiative_entered_by"),
            # A whole campaign newest first (the national queue; the admin's list, campaigns
            # newest first). No index on the date alone: for an earlier campaign the planner
            # would walk it from today and pass every newer campaign's rows first (a search of
            # 2022 read 86,000 rows of 2026 to find 26: 130 ms → 0.4 ms).
            models.Index(fields=["-campaign", "-submitted_at", "-id"], name="initiative_campaign_newest"),
            # The queue sorted by title (A–Z) for a province or the nation: without it the
            # database sorted a whole campaign for each page (a million rows: 500 ms a page).
            models.Index(fields=["campaign", "title", "id"], name="initiative_campaign_title"),
            # The queue filtered by target group in a province or the nation: its status counts
            # and its newest first from the index alone (a million rows: 420 → 5 ms for the
            # nation, 650 → 15 ms for a province of 23,000 unions, whose units are hashed against
            # it). Partial, so that only a query naming a group can use it: as a full index it
            # was the narrowest with campaign, unit and status, and the planner walked it for the
            # nation's queue filtered by block, probing each row's unit (13 → 330 ms; the groups
            # come in blocks, and its order met the schools last).
            models.Index(
                fields=["campaign", "target_group", "-submitted_at", "-id"], include=["status", "unit"],
                condition=Q(target_group__in=TargetGroup.values), name="initiative_campaign_group",
            ),
            # The review queue's keyset order within a campaign, phase and status.
            models.Index(
                fields=["campaign", "phase", "status", "-submitted_at", "-id"], name="initiative_queue_order"
            ),
        ]

    def __str__(self):
        return f"{self.tracking_code} — {self.title}"

    def folded_search_text(self) -> str:
        return fold(f"{self.tracking_code} {self.title} {self.full_name}")

    def save(self, *args, **kwargs):
        self.search_text = self.folded_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


class Attachment(models.Model):
    """An evidence file. The stored name is made by the app; the original is for display only."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("tệp"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))

    class Meta:
        verbose_name = _("tệp minh chứng")
        verbose_name_plural = _("tệp minh chứng")

    def __str__(self):
        return self.original_name


class StatusChange(models.Model):
    """One move of an initiative's status. Written once, never edited or deleted (save() and
    delete() refuse) — but for privacy.initiative_anonymise, which blanks the notes, by law."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(_("từ trạng thái"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("sang trạng thái"), max_length=16, choices=Status.choices)
    reason = models.CharField(_("lý do"), max_length=16, choices=RejectionReason.choices, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thực hiện"),
        db_index=False,  # empty on a member's own moves: a partial index below
    )
    at = models.DateTimeField(_("thời điểm"))

    class Meta:
        verbose_name = _("lịch sử trạng thái")
        verbose_name_plural = _("lịch sử trạng thái")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["by"], condition=Q(by__isnull=False), name="statuschange_by")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("status history is written once and never edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("status history is never deleted")


class PersonalDataAccess(models.Model):
    """Who saw, exported or erased a person's full record, and when (Luật 91/2025/QH15)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Xem hồ sơ đầy đủ")
        FILE = "file", _("Mở tệp minh chứng")
        EXPORT = "export", _("Xuất dữ liệu cá nhân")
        ERASE = "erase", _("Xoá dữ liệu cá nhân")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="accesses")
    action = models.CharField(max_length=8, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("truy cập dữ liệu cá nhân")
        verbose_name_plural = _("truy cập dữ liệu cá nhân")
        ordering = ["-at"]
