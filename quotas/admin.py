from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.db import transaction
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Case, ExpressionWrapper, F, FilteredRelation, FloatField, Q, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from quotas.allocation import targets_by_unit
from quotas.models import (
    AllocationOverride,
    AllocationRule,
    Campaign,
    Level,
    Membership,
    Phase,
    Role,
    RuleTarget,
    Unit,
    UnitProgress,
    UnitTarget,
)
from quotas.selectors import current_campaign, path_condition, scope_paths
from quotas.services import campaign_copy
from quotas.templatetags.progress_tags import percent


class CappedPaginator(Paginator):
    """Admin lists over huge tables count at most CAP rows (one bounded query): deep pages
    beyond it are for the review queue's keyset pages, not the admin."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.CAP].count()

    def _get_page(self, object_list, number, paginator):
        """The page's ids first, in the list's order (the database sorts narrow index entries,
        not whole rows with their joins: a district's 11,000 initiatives, 25 ms → 5 ms), then
        those rows. `object_list` is Paginator.page's slice of the list."""
        if hasattr(object_list, "values_list"):  # a queryset, not a plain list
            ids = list(object_list.values_list("pk", flat=True))
            found = {row.pk: row for row in self.object_list.filter(pk__in=ids)}
            object_list = [found[pk] for pk in ids if pk in found]
        return super()._get_page(object_list, number, paginator)


def allocation_scope(user) -> set[str] | None:
    """The tree paths whose units' allocation (overrides, imports, downloads) `user` keeps up
    to date: a district staff member's subtrees; None (everywhere) for an admin; an empty set
    (nowhere) for anyone else."""
    return scope_paths(user, [Role.DISTRICT_STAFF])


def in_allocation_scope(user, unit) -> bool:
    paths = allocation_scope(user)
    return paths is None or any(unit.path.startswith(p) for p in paths)


def may_change_rules(user) -> bool:
    """A block's rule is campaign-wide (every province's unions follow it): only an admin
    changes it."""
    return user.is_active and user.is_superuser


class ReadOnlyAdmin:
    """A list to read: nobody adds, changes or deletes through it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit, exclude=["search_name"])
    list_display = ["name", "code", "level", "block", "member_count", "is_sample", "qr_links"]
    list_filter = ["level", "block", "is_sample"]
    search_fields = ["code", "name", "search_name"]

    def _scoped_chooser(self, request) -> bool:
        """The list opened as a chooser (the allocation override's unit) by someone who may pick
        only in their own subtrees."""
        return IS_POPUP_VAR in request.GET and allocation_scope(request.user) is not None

    def is_filtered(self, request) -> bool:
        # The tree starts at the nation's root, outside a district's reach: their chooser is the
        # flat list of their own units instead, searchable and paged.
        return super().is_filtered(request) or self._scoped_chooser(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._scoped_chooser(request):
            queryset = queryset.filter(path_condition(allocation_scope(request.user))).order_by("path")
        return queryset

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A grassroots union's members or block move its lineage's targets; anything else (a
        # unit moved in the tree) may move a whole subtree's, so the campaigns are rebuilt.
        moved = bool({"treebeard_ref_node", "treebeard_position"} & set(form.changed_data))
        for campaign in Campaign.objects.all():
            if obj.level == Level.GRASSROOTS and not moved and change:
                retarget_later(obj, campaign)
            else:
                rebuild_later(campaign, request)

    def delete_model(self, request, obj):
        from quotas import progress

        for campaign in Campaign.objects.all():
            if obj.level == Level.GRASSROOTS:
                progress.retarget(unit=obj, campaign=campaign, removed=True)
        super().delete_model(request, obj)
        if obj.level != Level.GRASSROOTS:
            for campaign in Campaign.objects.all():
                rebuild_later(campaign, request)

    @admin.display(description=_("Mã QR / áp phích"))
    def qr_links(self, obj):
        if obj.level == Level.GRASSROOTS:
            return format_html('<a href="{}">{}</a>', reverse("quotas:unit_poster", args=[obj.code]), _("Áp phích"))
        return format_html(
            '<a href="{}">{}</a>', reverse("quotas:unit_posters", args=[obj.code]), _("Tải áp phích các CĐCS")
        )


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class AllocationUploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx) theo mẫu bảng phân bổ"))
    unit = forms.CharField(label=_("Mã đơn vị giao chỉ tiêu (để trống: tự nhận)"), required=False, max_length=32)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa 2 MB)."))
        return upload


class CampaignCopyForm(forms.Form):
    slug = forms.SlugField(label=_("Mã chương trình mới"), max_length=64)
    name = forms.CharField(label=_("Tên chương trình mới"), max_length=255)
    years = forms.IntegerField(label=_("Dời ngày: số năm"), initial=1, min_value=-50, max_value=50)
    months = forms.IntegerField(label=_("số tháng"), initial=0, min_value=-600, max_value=600)
    days = forms.IntegerField(label=_("số ngày"), initial=0, min_value=-3650, max_value=3650)

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Campaign.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Đã có chương trình với mã này."))
        return slug


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "application_start", "application_end", "description_limit", "is_open"]
    list_filter = ["is_open"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["root"]
    inlines = [PhaseInline]
    actions = ["copy_campaign"]

    change_form_template = "admin/quotas/campaign/change_form.html"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        rebuild_later(form.instance, request)

    def get_urls(self):
        own = [
            path("<int:pk>/import-allocations/", self.admin_site.admin_view(self.import_allocations),
                 name="quotas_campaign_import"),
            path("<int:pk>/allocations.xlsx", self.admin_site.admin_view(self.download_allocations),
                 name="quotas_campaign_allocations"),
        ]
        return own + super().get_urls()

    def _import_allowed(self, request) -> bool:
        """Overrides are changed within the user's scope (rules by admins only: _scope_errors)."""
        paths = allocation_scope(request.user)
        return request.user.has_perm("quotas.change_allocationoverride") and (paths is None or bool(paths))

    def _download_allowed(self, request) -> bool:
        """Whoever may see the allocation overrides, within their scope."""
        user, paths = request.user, allocation_scope(request.user)
        may_view = user.has_perm("quotas.view_allocationoverride") or user.has_perm("quotas.change_allocationoverride")
        return may_view and (paths is None or bool(paths))

    def download_allocations(self, request, pk):
        from quotas.excel import allocation_download

        if not self._download_allowed(request):
            raise PermissionDenied
        campaign = get_object_or_404(Campaign, pk=pk)
        paths = allocation_scope(request.user)
        asked = request.GET.get("unit")
        unit = Unit.objects.filter(code=asked or settings.HOME_UNIT_CODE).first() or campaign.root
        if paths is not None and not in_allocation_scope(request.user, unit):
            if asked:
                raise PermissionDenied
            # No unit asked for: the top unit of the user's own scope, not the home unit's table.
            unit = Unit.objects.filter(path_condition(paths)).order_by("depth", "path").first()
        return allocation_download(unit=unit, campaign=campaign)

    def import_allocations(self, request, pk):
        """Upload an allocation table in the seed's shape, see what would change, then apply it
        all at once (or nothing, if any row is wrong)."""
        from django.core import signing

        from quotas.excel import AllocationImportError, apply_import, import_preview, sign_upload, unsign_upload

        campaign = get_object_or_404(Campaign, pk=pk)
        if not self._import_allowed(request):
            raise PermissionDenied
        form = AllocationUploadForm(request.POST or None, request.FILES or None)
        plan, token = None, ""
        if request.method == "POST" and "confirm" in request.POST:
            try:
                data = unsign_upload(request.POST.get("token", ""))
            except signing.BadSignature:
                self.message_user(request, _("Tệp tải lên đã hết hạn; vui lòng tải lại."), messages.ERROR)
            else:
                plan = import_preview(campaign=campaign, data=data, unit=self._unit(request.POST.get("unit")))
                plan.errors += self._scope_errors(request, plan)
                try:
                    count = apply_import(plan=plan)
                except AllocationImportError:
                    token = request.POST.get("token", "")
                else:
                    self.message_user(request, _("Đã cập nhật %(n)s mục phân bổ.") % {"n": count}, messages.SUCCESS)
                    return redirect("admin:quotas_campaign_change", campaign.pk)
        elif request.method == "POST" and form.is_valid():
            data = form.cleaned_data["file"].read()
            try:
                plan = import_preview(campaign=campaign, data=data, unit=self._unit(form.cleaned_data["unit"]))
            except Exception as error:  # an unreadable workbook: say so, store nothing
                form.add_error("file", _("Không đọc được tệp Excel: %(e)s") % {"e": error})
            else:
                plan.errors += self._scope_errors(request, plan)
                token = sign_upload(data) if plan.ok else ""
        return TemplateResponse(request, "admin/quotas/campaign/import.html", {
            **self.admin_site.each_context(request),
            "title": _("Nhập bảng phân bổ chỉ tiêu từ Excel"),
            "campaign": campaign,
            "form": form,
            "plan": plan,
            "token": token,
            "unit_code": request.POST.get("unit", ""),
            "opts": self.model._meta,
        })

    def _unit(self, code):
        return Unit.objects.filter(code=(code or "").strip()).first() if code else None

    def _scope_errors(self, request, plan):
        """What the user may not import, as errors of the plan (so nothing of it is written):
        a table of a unit outside their scope, an override of a unit outside it, a changed
        campaign-wide rule unless they are an admin. Checked again on confirmation."""
        from quotas.excel import Issue

        user, errors = request.user, []
        if not in_allocation_scope(user, plan.scope):
            errors.append(Issue(None, _("Bảng của “%(unit)s” (%(code)s) nằm ngoài phạm vi đơn vị bạn phụ trách; "
                                        "hãy ghi mã đơn vị của bạn vào ô “Mã đơn vị giao chỉ tiêu”.")
                                % {"unit": plan.scope.name, "code": plan.scope.code}))
        for change in plan.overrides:
            if not in_allocation_scope(user, change.unit):
                errors.append(Issue(change.row, _("“%(unit)s” (%(code)s) nằm ngoài phạm vi đơn vị bạn phụ trách; "
                                                  "bạn không được giao chỉ tiêu cho đơn vị này.")
                                    % {"unit": change.unit.name, "code": change.unit.code}))
        if not may_change_rules(user):
            for change in plan.rules:
                if change.changed:
                    errors.append(Issue(change.row, _("Quy tắc phân bổ của khối áp dụng cho cả chương trình; "
                                                      "chỉ quản trị hệ thống được thay đổi.")))
        return errors

    @admin.action(
        description=_("Sao chép chương trình (giai đoạn, quy tắc, chỉ tiêu riêng) sang chương trình mới"),
        permissions=["add"],  # it creates a campaign: not for those who may only read them
    )
    def copy_campaign(self, request, queryset):
        """The programme repeats yearly: copy one campaign with its phases shifted by a chosen
        amount, its rules and its overrides (DESIGN §2)."""
        if queryset.count() != 1:
            self.message_user(request, _("Chọn đúng một chương trình để sao chép."), messages.WARNING)
            return None
        source = queryset.get()
        if "apply" in request.POST:
            form = CampaignCopyForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                copy = campaign_copy(
                    source=source, slug=data["slug"], name=data["name"],
                    shift=relativedelta(years=data["years"], months=data["months"], days=data["days"]),
                )
                self.message_user(request, _("Đã tạo chương trình “%(name)s”.") % {"name": copy.name}, messages.SUCCESS)
                return None
        else:
            form = CampaignCopyForm(initial={"slug": f"{source.slug}-ban-sao", "name": f"{source.name} (bản sao)"})
        return TemplateResponse(request, "admin/quotas/campaign/copy.html", {
            **self.admin_site.each_context(request),
            "title": _("Sao chép chương trình"),
            "source": source,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })


class RuleTargetInline(admin.TabularInline):
    model = RuleTarget
    extra = 0

    # A rule's phase targets are campaign-wide, as the rule is: admins change them.
    def has_add_permission(self, request, obj=None):
        return may_change_rules(request.user) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return may_change_rules(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return may_change_rules(request.user) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the phases of the rule's own campaign make sense here.
        if db_field.name == "phase" and request.resolver_match.kwargs.get("object_id"):
            rule = AllocationRule.objects.filter(pk=request.resolver_match.kwargs["object_id"]).first()
            if rule is not None:
                kwargs["queryset"] = Phase.objects.filter(campaign=rule.campaign)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def rebuild_later(campaign, request=None):
    """Targets are maintained rows: refresh them once the admin's change has committed, in the
    background (a national campaign takes about 20 s), and say so."""
    from quotas import progress

    transaction.on_commit(lambda: progress.rebuild_in_background(campaign))
    if request is not None and settings.PROGRESS_REBUILD_IN_BACKGROUND:
        messages.info(request, _("Chỉ tiêu và tiến độ của “%(campaign)s” đang được tính lại; "
                                 "các trang tiến độ cập nhật sau ít giây.") % {"campaign": campaign})


def retarget_later(unit, campaign):
    """One grassroots union's targets changed: move its lineage's, once the change committed."""
    from quotas import progress

    transaction.on_commit(lambda: progress.retarget(unit=unit, campaign=campaign))


class RebuildOnChange:
    """Admin changes to the allocation refresh the campaign's maintained targets."""

    def campaign_of(self, obj):
        return obj.campaign

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        rebuild_later(self.campaign_of(form.instance), request)

    def delete_model(self, request, obj):
        campaign = self.campaign_of(obj)
        super().delete_model(request, obj)
        rebuild_later(campaign, request)


@admin.register(AllocationRule)
class AllocationRuleAdmin(RebuildOnChange, admin.ModelAdmin):
    list_display = ["campaign", "block", "basis", "per_member", "label"]
    list_filter = ["campaign", "block", "basis"]
    inlines = [RuleTargetInline]

    # A rule applies to every union of its block in the whole campaign: others may read it.
    def has_add_permission(self, request):
        return may_change_rules(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return may_change_rules(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return may_change_rules(request.user) and super().has_delete_permission(request, obj)


@admin.register(AllocationOverride)
class AllocationOverrideAdmin(RebuildOnChange, admin.ModelAdmin):
    list_display = ["unit", "phase", "target"]
    list_filter = ["phase__campaign", "phase__number"]
    search_fields = ["unit__name", "unit__code"]
    raw_id_fields = ["unit"]
    list_select_related = ["unit", "phase__campaign"]

    def campaign_of(self, obj):
        return obj.phase.campaign

    def get_queryset(self, request):
        """A district's staff see (and so change and delete) their subtree's overrides only."""
        return super().get_queryset(request).filter(path_condition(allocation_scope(request.user), "unit__path"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A unit outside the user's scope is not a valid choice (the form's usual error).
        if db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.filter(path_condition(allocation_scope(request.user)))
        if db_field.name == "phase":
            # "Giai đoạn 1" of which campaign: every year's campaign has one. Newest first.
            kwargs["queryset"] = Phase.objects.select_related("campaign").order_by("-campaign__application_start", "number")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda phase: f"{phase.campaign.name} — {phase}"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or in_allocation_scope(request.user, obj.unit)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or in_allocation_scope(request.user, obj.unit)
        )

    def save_related(self, request, form, formsets, change):
        admin.ModelAdmin.save_related(self, request, form, formsets, change)
        retarget_later(form.instance.unit, self.campaign_of(form.instance))

    def delete_model(self, request, obj):
        from quotas import progress

        unit, campaign = obj.unit, self.campaign_of(obj)
        admin.ModelAdmin.delete_model(self, request, obj)
        progress.retarget(unit=unit, campaign=campaign)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__name", "unit__code"]
    raw_id_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


class CampaignChoice(admin.SimpleListFilter):
    """Chooses the campaign whose targets are shown; it does not narrow the units."""

    title = _("chương trình")
    parameter_name = "campaign"

    def lookups(self, request, model_admin):
        return [(c.pk, c.name) for c in Campaign.objects.all()]

    def queryset(self, request, queryset):
        return queryset

    def campaign(self):
        return Campaign.objects.filter(pk=self.value()).first() if self.value() else current_campaign()


@admin.register(UnitTarget)
class UnitTargetAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Every grassroots union's effective target per phase, as the allocation engine gives it."""

    list_display = ["name", "code", "block", "member_count", "phase_1", "phase_2", "total"]
    list_filter = [CampaignChoice, "block"]
    search_fields = ["code", "search_name"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).filter(level=Level.GRASSROOTS)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl")
        if cl is not None:
            chooser = next((f for f in cl.filter_specs if isinstance(f, CampaignChoice)), None)
            campaign = chooser.campaign() if chooser else current_campaign()
            targets = targets_by_unit(campaign, cl.result_list) if campaign else {}
            for unit in cl.result_list:
                unit.phase_targets = targets.get(unit.pk, {})
        return response

    @admin.display(description=_("Giai đoạn 1"))
    def phase_1(self, obj):
        return getattr(obj, "phase_targets", {}).get(1, "—")

    @admin.display(description=_("Giai đoạn 2"))
    def phase_2(self, obj):
        return getattr(obj, "phase_targets", {}).get(2, "—")

    @admin.display(description=_("Tổng"))
    def total(self, obj):
        return sum(getattr(obj, "phase_targets", {}).values())


class BelowPercent(admin.SimpleListFilter):
    title = _("tỷ lệ được công nhận")
    parameter_name = "below"

    def lookups(self, request, model_admin):
        return [(str(p), _("Dưới %(p)s%%") % {"p": p}) for p in (25, 50, 75, 100)]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(percent__lt=int(self.value()))
        return queryset


@admin.register(UnitProgress)
class UnitProgressAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Targets and counts of both phases per unit, from the maintained counts (quotas/progress.py)."""

    list_display = ["name", "level", "block", "phase_1", "phase_2", "progress_bar", "initiatives_link"]
    list_filter = [CampaignChoice, "level", "block", BelowPercent]
    search_fields = ["code", "search_name"]
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = 25
    change_list_template = "admin/quotas/unitprogress/change_list.html"

    def get_queryset(self, request):
        chooser = CampaignChoice(request, dict(request.GET.lists()), UnitProgress, self)  # lists, as the admin passes them
        campaign = chooser.campaign()
        qs = super().get_queryset(request).filter(path_condition(scope_paths(request.user, [Role.DISTRICT_STAFF])))
        if campaign is None:
            return qs.none()
        # Each phase's row joined once (a unit has at most one per phase), not a subquery per
        # figure: six subqueries were most of the list's time to build and to run.
        phases = {p.number: p.pk for p in campaign.phases.all()}
        qs = qs.annotate(**{
            f"progress_{n}": FilteredRelation("progress", condition=Q(progress__phase_id=phases.get(n))) for n in (1, 2)
        })
        figures = {
            f"{column}_{n}": Coalesce(F(f"progress_{n}__{column}"), 0)
            for n in (1, 2) for column in ("target", "submitted", "approved")
        }
        qs = qs.annotate(**figures).annotate(
            target_all=F("target_1") + F("target_2"), approved_all=F("approved_1") + F("approved_2")
        )
        return qs.annotate(
            percent=Case(
                When(target_all__gt=0, then=ExpressionWrapper(F("approved_all") * 100.0 / F("target_all"), output_field=FloatField())),
                default=Value(None, output_field=FloatField()),
            )
        )

    def get_ordering(self, request):
        return ["path"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and (
            request.user.is_superuser or bool(scope_paths(request.user, [Role.DISTRICT_STAFF]))
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def _phase(self, obj, n):
        return format_html(
            "{} / {} / <strong>{}</strong>", intcomma(getattr(obj, f"target_{n}")),
            intcomma(getattr(obj, f"submitted_{n}")), intcomma(getattr(obj, f"approved_{n}")),
        )

    @admin.display(description=_("GĐ 1: chỉ tiêu / nộp / công nhận"))
    def phase_1(self, obj):
        return self._phase(obj, 1)

    @admin.display(description=_("GĐ 2: chỉ tiêu / nộp / công nhận"))
    def phase_2(self, obj):
        return self._phase(obj, 2)

    @admin.display(description=_("Tỷ lệ được công nhận"), ordering="percent")
    def progress_bar(self, obj):
        if obj.percent is None:
            return "—"
        return format_html(
            '<progress max="100" value="{}"></progress> {}', min(100, round(obj.percent)), percent(obj.percent)
        )

    @admin.display(description=_("Sáng kiến"))
    def initiatives_link(self, obj):
        return format_html('<a href="{}?unit={}">{}</a>', reverse("initiatives:review"), obj.code, _("Xem"))

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl")
        if cl is not None:
            response.context_data["progress_totals"] = self._totals(request, cl)
        return response

    def _totals(self, request, cl):
        """The totals row: the maintained counts of the top unit in the user's scope."""
        from quotas import progress

        chooser = next((f for f in cl.filter_specs if isinstance(f, CampaignChoice)), None)
        campaign = chooser.campaign() if chooser else current_campaign()
        paths = scope_paths(request.user, [Role.DISTRICT_STAFF])
        top = Unit.objects.filter(path_condition(paths)).order_by("depth").first() if paths != set() else None
        if campaign is None or top is None:
            return None
        return {"unit": top, "row": progress.unit_total(top, campaign)}
