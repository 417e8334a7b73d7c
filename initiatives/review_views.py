"""Review pages for reviewers, officers, district staff and admins. Every initiative is looked
up through `initiatives_visible_to`, so anything outside the user's units answers 404."""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.core.exceptions import ValidationError
from django.db.models import Q, prefetch_related_objects
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from initiatives import privacy, rules
from initiatives.forms import SORTS, BulkDecisionForm, DecisionForm, QueueFilterForm
from initiatives.models import Initiative, PersonalDataAccess, Status
from initiatives.pagination import keyset_page
from initiatives.selectors import (
    can_decide, has_review_access, initiatives_visible_to, reviews_anything, scope_is_narrow,
)
from initiatives.tracking import normalise_code
from initiatives.workflow import IllegalMove, decisions_from, initiative_decide
from quotas.models import Campaign, Role, Unit
from quotas.selectors import current_campaign, scope_paths, subtree_range
from quotas.templatetags.progress_tags import num
from quotas.text import fold

PAGE_SIZE = 25
INLINE_TYPES = {"image/jpeg", "image/png", "application/pdf"}


def _scoped(request, units: Q | None = None):
    if not has_review_access(request.user):
        raise Http404
    return initiatives_visible_to(request.user, units)


def _filtered(request, data: dict, campaign):
    """The user's initiatives of `campaign` through the queue's filters except status (the
    status counts are taken across it). The filters on the unit narrow the scope's units."""
    units = Q()
    if data.get("unit"):
        # A unit at any level: a district's or a province's code filters to its whole subtree.
        unit = Unit.objects.filter(code=data["unit"].strip().upper()).only("path").first()
        units &= subtree_range(unit.path) if unit else Q(pk__isnull=True)  # no such unit: nothing
    if data.get("block"):
        units &= Q(block=data["block"])
    queryset = _scoped(request, units or None).filter(campaign=campaign)
    if data.get("q"):
        found = Q(search_text__contains=fold(data["q"]))
        # A tracking code as a member reads it out: spaces instead of dashes, or none at all.
        if code := normalise_code(data["q"]):
            found |= Q(tracking_code=code)
        queryset = queryset.filter(found)
    if data.get("phase"):
        queryset = queryset.filter(phase_id__in=[p.pk for p in campaign.phases.all() if p.number == data["phase"]])
    if data.get("target_group"):
        queryset = queryset.filter(target_group=data["target_group"])
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        queryset = queryset.filter(submitted_at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tz))
    if data.get("date_to"):
        queryset = queryset.filter(submitted_at__lt=dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tz))
    return queryset


@login_required
@require_safe
def queue(request):
    form = QueueFilterForm(request.GET or None)
    # A bad value is left out on its own: the other filters still apply, and the page says
    # which were left out (with every filter dropped, a reviewer took the whole queue for matches).
    data = {}
    if form.is_bound:
        form.is_valid()  # cleaned_data then holds the fields that are valid, whatever the others
        data = form.cleaned_data
    ignored = [str(form.fields[name].label) for name in form.errors if name in form.fields]
    slug = request.GET.get("campaign", "")
    campaign = (Campaign.objects.filter(slug=slug).first() if slug else None) or current_campaign()
    if campaign is None:
        raise Http404
    filtered = _filtered(request, data, campaign)
    # A text search can match half the country: its tabs show no counts (a bitmap scan cannot
    # stop early), the page itself is the newest matches.
    counts, capped = status_counts_capped(filtered) if not data.get("q") else (None, False)
    if data.get("status"):
        filtered = filtered.filter(status=data["status"])
    key, descending, _label = SORTS.get(data.get("sort") or "newest", SORTS["newest"])
    page = keyset_page(
        filtered.select_related("unit", "phase"),
        key=key, descending=descending, size=PAGE_SIZE,
        after=request.GET.get("after", ""), before=request.GET.get("before", ""),
        narrow=scope_is_narrow(request.user),
    )
    params = request.GET.copy()
    for name in ("after", "before"):
        params.pop(name, None)
    return render(request, "initiatives/review/queue.html", {
        "form": form,
        "ignored": ", ".join(ignored),
        "page": page,
        "tabs": status_tabs(params, counts, capped, data.get("status", "")),
        "capped": capped,
        "count_cap": num(COUNT_CAP),
        "campaign": campaign,
        "query_string": params.urlencode(),
        "bulk_form": BulkDecisionForm(),
        "can_bulk": reviews_anything(request.user),
    })


COUNT_CAP = 10_000


@dataclass
class Tab:
    label: str
    href: str
    count: str  # "" when not counted (a search)
    active: bool
    status: str = ""


def status_tabs(params, counts: dict | None, capped: bool, active: str) -> list[Tab]:
    """"All" and one tab per status, each keeping the other filters, with their counts. When
    the count stopped at the cap, "All" says "10.000+" and the statuses say nothing: the rows
    counted are the first the index gave, not a sample (the nation's first 10,001 were all
    approved). A search is not counted: no numbers at all."""
    others = params.copy()
    others.pop("status", None)

    def href(status: str = "") -> str:
        query = others.copy()
        if status:
            query["status"] = status
        return "?" + query.urlencode()

    if counts is None:  # a search
        total, shown = "", {}
    elif capped:
        total, shown = num(COUNT_CAP) + "+", {}
    else:
        total, shown = num(sum(counts.values())), {value: num(counts.get(value, 0)) for value in Status.values}
    tabs = [Tab(_("Tất cả"), href(), total, not active)]
    for value, label in Status.choices:
        tabs.append(Tab(label, href(value), shown.get(value, ""), active == value, value))
    return tabs


def status_counts_capped(queryset, cap: int | None = None) -> tuple[dict, bool]:
    """Counts per status over at most `cap + 1` rows (COUNT_CAP by default), in one pass: never
    a COUNT(*) over the whole table. If the cap is reached, the counts are lower bounds (shown
    with a "+")."""
    cap = COUNT_CAP if cap is None else cap
    sql, params = queryset.order_by().values("status")[: cap + 1].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.status, COUNT(*) FROM ({sql}) s GROUP BY s.status", params)
        counts = dict(cursor.fetchall())
    return counts, sum(counts.values()) > cap


def _hints(initiative: Initiative) -> list[tuple[bool, str]]:
    """What the rules can say about the initiative, for the reviewer's judgement."""
    campaign = initiative.campaign
    in_window = campaign.application_start <= initiative.applied_on <= campaign.application_end
    recognised = bool(initiative.decision_number and initiative.decision_date and initiative.recognised_by)
    return [
        (in_window, _("Ngày đưa vào áp dụng %(day)s %(verdict)s thời gian %(start)s – %(end)s.") % {
            "day": initiative.applied_on.strftime("%d/%m/%Y"),
            "verdict": _("nằm trong") if in_window else _("nằm ngoài"),
            "start": campaign.application_start.strftime("%d/%m/%Y"),
            "end": campaign.application_end.strftime("%d/%m/%Y"),
        }),
        (recognised, _("Có đủ thông tin công nhận (cấp công nhận, số và ngày quyết định).") if recognised
         else _("Thiếu thông tin công nhận.")),
        (initiative.not_ip_protected, _("Đoàn viên cam đoan sáng kiến không thuộc diện bảo hộ sở hữu trí tuệ.")),
    ]


def _similar(a: str, b: str) -> bool:
    """Titles share most of their words (diacritics and case ignored)."""
    wa, wb = set(fold(a).split()), set(fold(b).split())
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.5


def possible_duplicates(initiative: Initiative):
    """The same ID number in the same campaign with a similar title."""
    others = (
        Initiative.objects.filter(campaign=initiative.campaign, id_number=initiative.id_number)
        .exclude(pk=initiative.pk)
        .select_related("unit")[:50]
    )
    return [o for o in others if _similar(o.title, initiative.title)]


@login_required
@require_safe
def detail(request, pk):
    initiative = get_object_or_404(_scoped(request).select_related("unit", "phase", "campaign", "entered_by"), pk=pk)
    deciding = can_decide(request.user, initiative)
    allowed = decisions_from(initiative.status) if deciding else []
    if deciding:  # only they see the numbers in full (the consent notice says so)
        privacy.log_access(user=request.user, initiatives=[initiative], action=PersonalDataAccess.Action.VIEW)
    return _render_detail(request, initiative, DecisionForm(allowed=allowed), allowed)


def _render_detail(request, initiative, form, allowed, status=200):
    """The consent notice promises the member that only the reviewers of their unit see the
    phone and ID numbers in full: officers and district staff in scope see them masked (the
    person pages serve a data request, logged)."""
    visible = initiatives_visible_to(request.user)
    duplicates = [d for d in possible_duplicates(initiative) if visible.filter(pk=d.pk).exists()]
    return render(request, "initiatives/review/detail.html", {
        "initiative": initiative,
        "history": initiative.history.select_related("by"),
        "attachments": initiative.attachments.all(),
        "hints": _hints(initiative),
        "duplicates": duplicates,
        "form": form,
        "allowed": allowed,
        "description_count": rules.count_characters(initiative.description),
        "full_numbers": can_decide(request.user, initiative),
    }, status=status)


@login_required
@require_POST
def decide(request, pk):
    initiative = get_object_or_404(_scoped(request).select_related("unit", "phase", "campaign"), pk=pk)
    if not can_decide(request.user, initiative):
        raise Http404
    allowed = decisions_from(initiative.status)
    form = DecisionForm(request.POST, allowed=allowed)
    if not form.is_valid():
        return _render_detail(request, initiative, form, allowed, status=400)
    try:
        initiative_decide(
            initiative=initiative, by=request.user, to=form.cleaned_data["to"],
            reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
        )
    except IllegalMove as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Đã ghi nhận: %(status)s.") % {"status": initiative.get_status_display()})
    # The form is sent to "#decide" (so that a refusal comes back at the form, not at the top
    # of a long page); the page after it opens at its message, not at the form again.
    return redirect(reverse("initiatives:review_detail", args=[initiative.pk]) + "#main")


@login_required
@require_POST
def bulk(request):
    scoped = _scoped(request)
    form = BulkDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back_to_queue(request)
    done = failed = 0
    # An id outside the column's range names no initiative: it fails with the others that do
    # not exist, never reaching the database (SQLite refuses such a number outright).
    ids = [pk for pk in form.cleaned_data["ids"] if 0 < pk < 2**63]
    for initiative in scoped.filter(pk__in=ids).select_related("unit"):
        if not can_decide(request.user, initiative):
            failed += 1
            continue
        try:
            initiative_decide(
                initiative=initiative, by=request.user, to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
            )
            done += 1
        except IllegalMove:
            failed += 1
    failed += len(set(form.cleaned_data["ids"])) - done - failed
    if done:
        messages.success(request, ngettext("Đã xử lý %(n)s sáng kiến.", "Đã xử lý %(n)s sáng kiến.", done) % {"n": done})
    if failed:
        messages.warning(request, ngettext(
            "%(n)s sáng kiến không xử lý được (đã được xử lý trước đó hoặc ngoài phạm vi của bạn).",
            "%(n)s sáng kiến không xử lý được (đã được xử lý trước đó hoặc ngoài phạm vi của bạn).", failed,
        ) % {"n": failed})
    return _back_to_queue(request)


def _back_to_queue(request):
    """Back to the queue page the form was sent from (its filters and page), never elsewhere."""
    next_url = request.POST.get("next", "")
    return redirect(next_url if next_url.startswith("/review/") else "initiatives:review")


@login_required
@require_safe
@xframe_options_sameorigin
def attachment(request, pk):
    """Evidence is never public: served through the scope check, downloaded unless it is an
    image or a PDF, and never sniffed into another type by the browser."""
    from initiatives.models import Attachment

    item = get_object_or_404(Attachment.objects.filter(initiative__in=_scoped(request)).select_related("initiative"), pk=pk)
    # Evidence may show the person (a face, a signature, an ID card): opening it is logged
    # (a HEAD sends no file, and logs nothing).
    if request.method == "GET":
        privacy.log_access(user=request.user, initiatives=[item.initiative], action=PersonalDataAccess.Action.FILE)
    inline = item.content_type in INLINE_TYPES
    response = FileResponse(
        item.file.open("rb"), as_attachment=not inline, filename=item.original_name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _person_scope(request):
    """District staff and admins answer a person's request about their data, in the subtrees
    they are district staff of (admins: everywhere); another role elsewhere gives no reach."""
    if scope_paths(request.user, [Role.DISTRICT_STAFF]) == set():
        raise Http404
    return initiatives_visible_to(request.user, roles=[Role.DISTRICT_STAFF])


def _person_query(data) -> tuple[str, str]:
    id_number = phone = ""
    try:
        id_number = rules.normalise_id_number(data.get("id_number", "")) if data.get("id_number") else ""
    except ValidationError:
        pass
    try:
        phone = rules.normalise_phone(data.get("phone", "")) if data.get("phone") else ""
    except ValidationError:
        pass
    return id_number, phone


def _person_page(request, records, *, searched: bool, selected=None, status: int = 200):
    """The page, listing `records`: each showing of them is logged, whichever form led here."""
    if records:
        privacy.log_access(user=request.user, initiatives=records, action=PersonalDataAccess.Action.VIEW)
    several = privacy.several_people(records)
    if selected is None:  # first look: all ticked when they are one person's, none when not
        selected = set() if several else {r.pk for r in records}
    return render(request, "initiatives/review/person.html", {
        "records": records, "id_number": request.POST.get("id_number", ""), "phone": request.POST.get("phone", ""),
        "searched": searched, "several": several, "selected": selected,
        "confirmed": request.POST.get("confirm") == "yes",
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def person(request):
    """Find everything held about one person (by ID number or phone), to export or erase it.
    The numbers travel in the body of a POST, never in the address: addresses end up in
    access logs, in the browser's history and in the Referer of the next page."""
    scoped = _person_scope(request)
    id_number, phone = _person_query(request.POST)
    records = list(privacy.person_records(scoped, id_number=id_number, phone=phone)) if (id_number or phone) else []
    return _person_page(request, records, searched=request.method == "POST")


def _person_chosen(request):
    """The records the search finds in the user's reach, and those of them ticked on the page."""
    scoped = _person_scope(request)
    id_number, phone = _person_query(request.POST)
    found = list(privacy.person_records(scoped, id_number=id_number, phone=phone)) if (id_number or phone) else []
    ticked = set(request.POST.getlist("records"))
    return found, [r for r in found if str(r.pk) in ticked]


@login_required
@require_POST
def person_export(request):
    """The ticked records, whole: what the person asked to see, not a relative's on a shared phone."""
    found, chosen = _person_chosen(request)
    if not found:
        raise Http404
    if not chosen:
        messages.error(request, _("Chưa tải: hãy chọn hồ sơ của người yêu cầu."))
        return _person_page(request, found, searched=True, selected=set(), status=400)
    prefetch_related_objects(chosen, "attachments", "history")
    privacy.log_access(user=request.user, initiatives=chosen, action=PersonalDataAccess.Action.EXPORT)
    response = JsonResponse(privacy.person_export(chosen), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="du-lieu-ca-nhan.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def person_erase(request):
    """Erase the records ticked among those the search finds, nothing else: a shared phone
    finds a relative's records too, and those stay unless ticked."""
    found, chosen = _person_chosen(request)
    if not chosen or request.POST.get("confirm") != "yes":
        if not found:
            messages.error(request, _("Chưa xoá: không có hồ sơ nào khớp trong phạm vi của bạn."))
            return redirect("initiatives:review_person")
        messages.error(request, _("Chưa xoá: hãy chọn hồ sơ của người yêu cầu và đánh dấu xác nhận."))
        return _person_page(request, found, searched=True, selected={r.pk for r in chosen}, status=400)
    count = privacy.person_erase(initiatives=chosen, by=request.user)
    messages.success(request, ngettext(
        "Đã xoá dữ liệu cá nhân khỏi %(n)s hồ sơ; sáng kiến vẫn được tính trong số liệu.",
        "Đã xoá dữ liệu cá nhân khỏi %(n)s hồ sơ; sáng kiến vẫn được tính trong số liệu.", count,
    ) % {"n": count})
    return redirect("initiatives:review_person")
