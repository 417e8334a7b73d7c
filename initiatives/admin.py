from django.contrib import admin
from django.db.models import F
from django.db.models.functions import Coalesce

from initiatives.models import Attachment, Initiative, StatusChange
from initiatives.selectors import initiatives_visible_to, scope_is_narrow
from quotas.admin import CappedPaginator, ReadOnlyAdmin


class ReadOnlyInline(ReadOnlyAdmin, admin.TabularInline):
    extra = 0
    can_delete = False


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ["at", "from_status", "to_status", "reason", "note", "by"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "content_type", "size"]
    readonly_fields = fields


@admin.register(Initiative)
class InitiativeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: initiatives change only through the submission and review workflow."""

    list_display = ["tracking_code", "title", "unit", "phase", "status", "submitted_at"]
    list_filter = ["status", "campaign", "phase__number", "target_group", "is_sample"]
    search_fields = ["tracking_code", "title"]
    list_select_related = ["unit", "phase"]
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = 25
    exclude = ["phone", "id_number"]
    inlines = [AttachmentInline, StatusChangeInline]

    def get_ordering(self, request):
        # A narrow scope is fetched through its units and sorted, not found by walking the
        # whole table in date order (see initiatives.pagination.keyset_page's `narrow`).
        if scope_is_narrow(request.user):
            newest = Coalesce(F("submitted_at"), F("submitted_at"))
            return [newest.desc(), "-pk"]
        return ["-campaign_id", "-submitted_at", "-pk"]  # the index initiative_campaign_newest

    def get_queryset(self, request):
        # The same scope as the review pages: staff see their units' subtrees only.
        return initiatives_visible_to(request.user)

