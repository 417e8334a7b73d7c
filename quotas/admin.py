from django.contrib import admin
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
    RuleTarget,
    Unit,
    UnitTarget,
)
from quotas.selectors import current_campaign


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit, exclude=["search_name"])
    list_display = ["name", "code", "level", "block", "member_count", "is_sample", "qr_links"]
    list_filter = ["level", "block", "is_sample"]
    search_fields = ["code", "name", "search_name"]


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


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "application_start", "application_end", "description_limit", "is_open"]
    list_filter = ["is_open"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["root"]
    inlines = [PhaseInline]


class RuleTargetInline(admin.TabularInline):
    model = RuleTarget
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the phases of the rule's own campaign make sense here.
        if db_field.name == "phase" and request.resolver_match.kwargs.get("object_id"):
            rule = AllocationRule.objects.filter(pk=request.resolver_match.kwargs["object_id"]).first()
            if rule is not None:
                kwargs["queryset"] = Phase.objects.filter(campaign=rule.campaign)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AllocationRule)
class AllocationRuleAdmin(admin.ModelAdmin):
    list_display = ["campaign", "block", "basis", "per_member", "label"]
    list_filter = ["campaign", "block", "basis"]
    inlines = [RuleTargetInline]


@admin.register(AllocationOverride)
class AllocationOverrideAdmin(admin.ModelAdmin):
    list_display = ["unit", "phase", "target"]
    list_filter = ["phase__campaign", "phase__number"]
    search_fields = ["unit__name", "unit__code"]
    raw_id_fields = ["unit"]
    list_select_related = ["unit", "phase__campaign"]


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
class UnitTargetAdmin(admin.ModelAdmin):
    """Every grassroots union's effective target per phase, as the allocation engine gives it."""

    list_display = ["name", "code", "block", "member_count", "phase_1", "phase_2", "total"]
    list_filter = [CampaignChoice, "block"]
    search_fields = ["code", "search_name"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).filter(level=Level.GRASSROOTS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
