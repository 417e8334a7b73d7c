"""Union units, campaigns, phases and the allocation of targets (the seed's quota table)."""

import functools

from django.conf import settings
from django.db import connections, models, router
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from quotas.text import fold

DESCRIPTION_LIMIT_CEILING = 5000


class Level(models.TextChoices):
    NATIONAL = "national", _("Tổng Liên đoàn")
    PROVINCE = "province", _("LĐLĐ tỉnh, thành phố / Công đoàn ngành Trung ương")
    SUPERIOR = "superior", _("Công đoàn cấp trên trực tiếp cơ sở")
    GRASSROOTS = "grassroots", _("Công đoàn cơ sở")


class Block(models.TextChoices):
    COMMUNE = "commune", _("Khối xã, thị trấn")
    PUBLIC_SERVICE = "public_service", _("Khối HCSN")
    SCHOOL = "school", _("Khối trường học")
    ENTERPRISE = "enterprise", _("Khối doanh nghiệp")


class Unit(MP_Node):
    """A union unit. The tree is a materialized path (treebeard), so a subtree is one
    `path LIKE 'prefix%'` range scan on an indexed column."""

    code = models.CharField(_("mã đơn vị"), max_length=32, unique=True)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    search_name = models.CharField(max_length=255, db_index=True, editable=False)
    level = models.CharField(_("cấp"), max_length=16, choices=Level.choices)
    block = models.CharField(_("khối"), max_length=16, choices=Block.choices, blank=True, default="")
    member_count = models.PositiveIntegerField(_("số đoàn viên"), default=0)
    is_sample = models.BooleanField(
        _("dữ liệu mẫu"), default=False, help_text=_("Đơn vị do lệnh load_demo tạo để minh hoạ.")
    )

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        # A unit's children: one depth, one path prefix (paths compare byte-wise in C collation).
        indexes = [
            models.Index(fields=["depth", "path"], name="unit_depth_path"),
            # A scope's units by path range, read from the index alone (PostgreSQL's INCLUDE):
            # the review queue's subquery for a province hashes 23,000 of them (10 → 4 ms).
            models.Index(fields=["path"], include=["id"], name="unit_path_covering"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=Level.values), name="unit_level_valid"),
            # Only a grassroots union (CĐCS) belongs to a block, and every one does.
            models.CheckConstraint(
                condition=(Q(level=Level.GRASSROOTS) & Q(block__in=Block.values))
                | (~Q(level=Level.GRASSROOTS) & Q(block="")),
                name="unit_block_iff_grassroots",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    @property
    def is_grassroots(self) -> bool:
        return self.level == Level.GRASSROOTS

    def subtree(self):
        """This unit and every unit under it."""
        return Unit.objects.filter(path__startswith=self.path)

    @classmethod
    def by_code(cls, code: str) -> "Unit | None":
        """The unit with this code, read with its id, name, path and level only (any other
        field loads when asked for): a submission's workplace, at the surge (the receipt shows
        its name). The query is written out, not built by the ORM: building it cost more than
        the rest of the lookup (callgrind: 1.2 M of the 17.8 M instructions of a submission)."""
        alias = router.db_for_read(cls)
        sql, fields = _by_code_statement(cls, alias)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [code])
            row = cursor.fetchone()
        return cls.from_db(alias, fields, row) if row else None


@functools.cache
def _by_code_statement(model, alias: str) -> tuple[str, list[str]]:
    """Unit.by_code's SELECT, built once per model and database, and the fields it reads in the
    model's order (which from_db relies on)."""
    quote = connections[alias].ops.quote_name
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in {"id", "name", "path", "level"}]
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    code = quote(model._meta.get_field("code").column)
    return f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {code} = %s", fields


class UnitTarget(Unit):
    """Units seen through their effective targets (an admin list; no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("chỉ tiêu của đơn vị")
        verbose_name_plural = _("chỉ tiêu của đơn vị")


class Campaign(models.Model):
    """One run of the programme: its application window, phases, limit and open state."""

    slug = models.SlugField(_("mã chương trình"), max_length=64, unique=True)
    name = models.CharField(_("tên chương trình"), max_length=255)
    legal_basis = models.TextField(_("căn cứ"), blank=True)
    root = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("phạm vi (đơn vị gốc)")
    )
    application_start = models.DateField(_("áp dụng từ ngày"))
    application_end = models.DateField(_("áp dụng đến ngày"))
    description_limit = models.PositiveSmallIntegerField(_("số ký tự mô tả tối đa"), default=2000)
    is_open = models.BooleanField(_("đang nhận sáng kiến"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chương trình")
        verbose_name_plural = _("chương trình")
        ordering = ["-application_start", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(application_end__gte=F("application_start")),
                name="campaign_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(description_limit__gte=1, description_limit__lte=DESCRIPTION_LIMIT_CEILING),
                name="campaign_description_limit_range",
            ),
        ]

    def __str__(self):
        return self.name

    def phase_on(self, day):
        """The phase whose dates contain `day`, or None: an initiative counts in the phase
        in which it was submitted (DESIGN §2)."""
        return next((p for p in self.phases.all() if p.starts_on <= day <= p.ends_on), None)


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases", verbose_name=_("chương trình"))
    number = models.PositiveSmallIntegerField(_("giai đoạn"))
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))

    class Meta:
        verbose_name = _("giai đoạn")
        verbose_name_plural = _("giai đoạn")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="phase_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="phase_number_positive"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="phase_dates_ordered"),
        ]

    def __str__(self):
        return _("Giai đoạn %(number)s") % {"number": self.number}


class Basis(models.TextChoices):
    PER_UNIT = "per_unit", _("Theo đơn vị (chỉ tiêu mỗi giai đoạn)")
    PER_MEMBER = "per_member", _("Theo đoàn viên (chia đều các giai đoạn)")


class AllocationRule(models.Model):
    """The target of every grassroots union of one block, as the seed's table gives it:
    per unit and phase ("02 = 01 + 01"), or per member split over the phases
    ("01 SK/đoàn viên/ phân bổ 02 giai đoạn")."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="rules", verbose_name=_("chương trình"))
    block = models.CharField(_("khối"), max_length=16, choices=Block.choices)
    basis = models.CharField(_("cách tính"), max_length=16, choices=Basis.choices)
    per_member = models.PositiveSmallIntegerField(
        _("sáng kiến mỗi đoàn viên"), default=0, help_text=_("Chỉ dùng khi tính theo đoàn viên.")
    )
    label = models.CharField(_("diễn giải"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("quy tắc phân bổ")
        verbose_name_plural = _("quy tắc phân bổ")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "block"], name="rule_block_unique"),
            models.CheckConstraint(condition=Q(block__in=Block.values), name="rule_block_valid"),
            models.CheckConstraint(condition=Q(basis__in=Basis.values), name="rule_basis_valid"),
        ]

    def __str__(self):
        return f"{self.campaign} — {self.get_block_display()}"


class RuleTarget(models.Model):
    """A per-unit rule's target for one phase."""

    rule = models.ForeignKey(AllocationRule, on_delete=models.CASCADE, related_name="targets", verbose_name=_("quy tắc"))
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="+", verbose_name=_("giai đoạn"))
    target = models.PositiveIntegerField(_("chỉ tiêu"))

    class Meta:
        verbose_name = _("chỉ tiêu theo giai đoạn")
        verbose_name_plural = _("chỉ tiêu theo giai đoạn")
        constraints = [
            models.UniqueConstraint(fields=["rule", "phase"], name="rule_target_phase_unique"),
        ]


class AllocationOverride(models.Model):
    """A named unit's own target for one phase, replacing its block's rule for that phase
    (the seed's named enterprises: Stanley 700 = 400 + 300, …)."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("giai đoạn"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("đơn vị"))
    target = models.PositiveIntegerField(_("chỉ tiêu"))

    class Meta:
        verbose_name = _("chỉ tiêu riêng")
        verbose_name_plural = _("chỉ tiêu riêng")
        constraints = [
            models.UniqueConstraint(fields=["phase", "unit"], name="override_unit_phase_unique"),
        ]

    def __str__(self):
        return f"{self.unit} — {self.phase}: {self.target}"


class Role(models.TextChoices):
    OFFICER = "officer", _("Cán bộ công đoàn / tổ hỗ trợ")
    REVIEWER = "reviewer", _("Người xét duyệt")
    DISTRICT_STAFF = "district_staff", _("Cán bộ LĐLĐ quận, huyện")


class Membership(models.Model):
    """Who acts for which unit, and how. Scoping follows the unit's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("người dùng")
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("đơn vị"))
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("phân công")
        verbose_name_plural = _("phân công")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.unit}"


class ProgressCount(models.Model):
    """Maintained counts for one unit (at any level: its whole subtree) and one phase.

    `target` is rebuilt from the allocation whenever it changes; `submitted` and `approved`
    move in the same transaction as the submission or decision that changes them. Report
    pages read these rows, never the initiatives themselves (quotas/progress.py)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="progress")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="progress")
    target = models.PositiveIntegerField(_("chỉ tiêu"), default=0, db_default=0)
    submitted = models.IntegerField(_("đã nộp"), default=0, db_default=0)
    approved = models.IntegerField(_("được công nhận"), default=0, db_default=0)

    class Meta:
        verbose_name = _("tiến độ")
        verbose_name_plural = _("tiến độ")
        constraints = [
            models.UniqueConstraint(fields=["unit", "phase"], name="progress_unit_phase_unique"),
            models.CheckConstraint(condition=Q(submitted__gte=0, approved__gte=0), name="progress_non_negative"),
        ]


class ProgressWeek(models.Model):
    """Submissions per week (Monday) for one unit's subtree and phase: the progress chart."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="+", verbose_name=_("giai đoạn"))
    week = models.DateField()
    submitted = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "phase", "week"], name="progress_week_unique"),
        ]


class UnitProgress(Unit):
    """Units seen through their progress (an admin list; no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("tiến độ của đơn vị")
        verbose_name_plural = _("tiến độ của đơn vị")
