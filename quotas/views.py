"""QR codes and printable posters that lead union members to their unit's submission form."""

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from quotas.models import Level, Role, Unit
from quotas.qr import qr_png, qr_svg, submit_url
from quotas.selectors import current_campaign, path_condition, scope_paths, subtree_range, units_visible_to
from quotas.text import in_vietnamese_order

# Public: the codes are printed on posters anyway. A day, so a changed domain heals by itself.
qr_cache = cache_control(public=True, max_age=60 * 60 * 24)
POSTER_CSS = "css/poster.css"


def _grassroots(code):
    """Only a grassroots union (CĐCS) can receive initiatives, so only it gets a code."""
    return get_object_or_404(Unit, code=code, level=Level.GRASSROOTS)


def _poster(request, unit) -> dict:
    url = submit_url(request, unit)
    # segno's SVG holds only paths built from the QR matrix; no text from the database.
    return {"unit": unit, "url": url, "qr": mark_safe(qr_svg(url).decode())}


@require_safe
@qr_cache
def unit_qr_svg(request, code):
    url = submit_url(request, _grassroots(code))
    return HttpResponse(qr_svg(url), content_type="image/svg+xml")


@require_safe
@qr_cache
def unit_qr_png(request, code):
    return HttpResponse(qr_png(submit_url(request, _grassroots(code))), content_type="image/png")


@require_safe
def unit_poster(request, code):
    context = _poster(request, _grassroots(code))
    return render(request, "quotas/poster.html", {**context, "campaign": current_campaign()})


@require_safe
@login_required
def unit_posters(request, code):
    """Every grassroots union's poster under one unit in a single file to print, one per A4
    page. It embeds its stylesheet and inline SVGs, so it prints offline; the queries do not
    grow with the number of units (the subtree is one indexed `path` range)."""
    visible = units_visible_to(request.user, roles=[Role.DISTRICT_STAFF])
    unit = get_object_or_404(visible, code=code)
    units = Unit.objects.filter(path__startswith=unit.path, level=Level.GRASSROOTS).order_by("path")
    html = render_to_string(
        "quotas/posters_download.html",
        {
            "unit": unit,
            "campaign": current_campaign(),
            "posters": [_poster(request, u) for u in units],
            # Our own static file, inlined verbatim (a <style> body is not HTML-decoded).
            "poster_css": mark_safe(Path(finders.find(POSTER_CSS)).read_text(encoding="utf-8")),
        },
        request=request,
    )
    filename = f"ap-phich-{unit.code}.html"
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    return HttpResponse(html, headers={"Content-Disposition": disposition})


# ---------------------------------------------------------------- progress (district staff)

PROGRESS_ROLES = [Role.DISTRICT_STAFF]
LAGGING_SHOWN = 50  # the worst ones; the Excel file lists them all
ROWS_PER_PAGE = 100  # a district of a thousand unions: pages a phone can open


def _progress_scope(request):
    from django.http import Http404

    units = units_visible_to(request.user, roles=PROGRESS_ROLES)
    code = request.GET.get("unit", "")
    if code:
        return get_object_or_404(units.exclude(level=Level.GRASSROOTS), code=code)
    # Default: the highest unit the user looks after.
    unit = units.exclude(level=Level.GRASSROOTS).order_by("depth", "name").first()
    if unit is None:
        raise Http404
    return unit


# The "Đơn vị" select: not the whole scope (at national scale some 800 units above grassroots
# level, and a district has none of its own to pick), but where the shown unit stands: its
# ancestors (the way up), the units beside it (other provinces, other districts of the
# province), the units under it (the table's rows above grassroots level) and the units the
# user is attached to. Each part is one level's size; this cap only guards against odd trees.
PICKER_PART_MAX = 300


@dataclass(frozen=True)
class PickerUnit:
    pk: int
    code: str
    name: str


def _unit_picker(request, unit, rows) -> dict:
    """The select's option groups, in one query (the units under it come from the table's
    rows): [(label, [PickerUnit…])], the shown unit always among them (so that the form never
    sends another unit than the one on the page), and the ancestors inside the user's scope
    for the breadcrumb. Every group but the ancestors' is in Vietnamese alphabetical order."""
    from django.db.models import Q

    steplen = Unit.steplen
    paths = scope_paths(request.user, roles=PROGRESS_ROLES)
    lineage = [unit.path[:n] for n in range(steplen, len(unit.path), steplen)]  # a path holds its ancestors'
    parent = unit.path[:-steplen]
    near = Q(path__in=lineage) if lineage else Q(pk__in=[])
    near |= Q(depth=unit.depth) & (subtree_range(parent) if parent else Q())
    near |= Q(depth=1) if paths is None else Q(path__in=sorted(paths))
    found = (
        Unit.objects.filter(path_condition(paths)).filter(near).exclude(level=Level.GRASSROOTS).exclude(pk=unit.pk)
        .order_by("depth", "path").values_list("pk", "code", "name", "path", "depth")[: 3 * PICKER_PART_MAX]
    )
    current = PickerUnit(unit.pk, unit.code, unit.name)
    above, beside, elsewhere = [], [current], []
    for pk, code, name, path, depth in found:
        picked = PickerUnit(pk, code, name)
        if path in lineage:
            above.append(picked)
        elif depth == unit.depth and path.startswith(parent):
            beside.append(picked)
        else:
            elsewhere.append(picked)
    below = [PickerUnit(r.unit.pk, r.unit.code, r.unit.name) for r in rows if r.unit.level != Level.GRASSROOTS]
    below_pks = {u.pk for u in below}
    elsewhere = [u for u in elsewhere if u.pk not in below_pks]
    beside, below, elsewhere = (in_vietnamese_order(units) for units in (beside, below, elsewhere))
    cut = len(beside) > PICKER_PART_MAX or len(below) > PICKER_PART_MAX or len(elsewhere) > PICKER_PART_MAX
    if cut:  # keep the shown unit whatever the cut
        beside = _around(beside, beside.index(current), PICKER_PART_MAX)
        below, elsewhere = below[:PICKER_PART_MAX], elsewhere[:PICKER_PART_MAX]
    groups = [
        (_("Cấp trên"), above),
        (_("Cùng cấp"), beside),
        (_("Đơn vị trực thuộc"), below),
        (_("Đơn vị khác trong phạm vi phụ trách"), elsewhere),
    ]
    # Written out, not looped in the template: a province's hundred and fifty options took 4 ms so.
    options = "".join(
        f'<optgroup label="{escape(label)}">'
        + "".join(
            f'<option value="{escape(u.code)}"{" selected" if u.pk == unit.pk else ""}>{escape(u.name)}</option>'
            for u in units
        )
        + "</optgroup>"
        for label, units in groups if units
    )
    return {
        "unit_options": mark_safe(options),
        "unit_picker_size": sum(len(units) for _label, units in groups),
        "unit_picker_cut": cut,
        "ancestors": above,
    }


def _around(items: list, index: int, size: int) -> list:
    """At most `size` items of `items`, the one at `index` among them."""
    start = max(0, min(index - size // 2, len(items) - size))
    return items[start:start + size]


def _campaign(request):
    from quotas.models import Campaign

    slug = request.GET.get("campaign", "")
    return Campaign.objects.filter(slug=slug).first() if slug else current_campaign()


@require_safe
@login_required
def progress_page(request):
    """The district's (or a province's, or the nation's) table by block with subtotals and
    totals, the weekly chart, the deadline and the lagging units — all from maintained counts."""
    import datetime as dt

    from django.http import Http404
    from django.utils import timezone

    from quotas import progress
    from quotas.charts import progress_chart

    unit = _progress_scope(request)
    campaign = _campaign(request)
    if campaign is None:
        raise Http404
    phases = list(campaign.phases.order_by("number"))
    today = timezone.localdate()
    current = next((p for p in phases if p.starts_on <= today <= p.ends_on), phases[-1] if phases else None)
    try:
        chosen = int(request.GET.get("phase", ""))
    except ValueError:
        chosen = None
    phase = next((p for p in phases if p.number == chosen), current)
    groups, total = progress.table(unit, campaign)
    rows = [row for group in groups for row in group.rows]
    lagging = progress.lagging(rows, phase, today) if phase else []
    only_lagging = request.GET.get("lagging") == "1"
    if only_lagging:
        behind = {row.unit.pk for row, _due in lagging}
        groups = [
            progress.Group(g.block, g.label, [r for r in g.rows if r.unit.pk in behind], g.subtotal) for g in groups
        ]
    table_page, page_groups = _paginate(groups, request.GET.get("page"))
    cell = total.phases.get(phase.number) if phase else None
    chart = (
        progress_chart(progress.weekly(unit, phase), target=cell.target, starts_on=phase.starts_on, ends_on=phase.ends_on)
        if phase else None
    )
    page_params = request.GET.copy()
    page_params.pop("page", None)
    export = QueryDict(mutable=True)
    export["unit"] = unit.code
    if request.GET.get("campaign"):
        export["campaign"] = campaign.slug
    return render(request, "quotas/progress.html", {
        "unit": unit,
        "campaign": campaign,
        "phases": phases,
        "phase": phase,
        "page_groups": page_groups,
        "table_page": table_page,
        "page_query": page_params.urlencode(),
        "export_query": export.urlencode(),
        "unit_query": _unit_query(request, campaign, phase, only_lagging),
        "total": total,
        "lagging": lagging[:LAGGING_SHOWN],
        "lagging_count": len(lagging),
        "only_lagging": only_lagging,
        "chart": chart,
        "days_left": max(0, (phase.ends_on - today).days) if phase else None,
        "pace": progress.phase_pace(phase, today) if phase else 0,
        **_unit_picker(request, unit, rows),
        "today": today,
        "dt": dt,
    })


def _unit_query(request, campaign, phase, only_lagging) -> str:
    """What a link to another unit's table (down a row, up the breadcrumb) carries besides the
    unit: what the reader chose on this page — the phase, the campaign if one was asked for
    (?campaign=…; without it the links stay with whichever campaign is current), the lagging
    units filter. Not the page of the table: another unit's starts at its first."""
    kept = QueryDict(mutable=True)
    if phase:
        kept["phase"] = str(phase.number)
    if request.GET.get("campaign"):
        kept["campaign"] = campaign.slug
    if only_lagging:
        kept["lagging"] = "1"
    return kept.urlencode()


@dataclass
class PageGroup:
    """The part of a block's rows on this page of the table: its number among the blocks, and
    where its rows start (so that the rows keep their numbers from page to page)."""

    number: int
    group: object
    rows: list
    start: int


def _paginate(groups, page_number):
    """A page of the table's unit rows (ROWS_PER_PAGE), block headers and subtotals kept for
    every block with rows on the page. The subtotals and the total are always the whole table's."""
    from django.core.paginator import Paginator

    flat = [(gi, ri, row) for gi, group in enumerate(groups) for ri, row in enumerate(group.rows)]
    page = Paginator(flat, ROWS_PER_PAGE).get_page(page_number)
    if not flat:  # nothing to list: each block says so
        return page, [PageGroup(gi + 1, group, [], 0) for gi, group in enumerate(groups)]
    page_groups = []
    for gi, group in enumerate(groups):
        mine = [(ri, row) for gj, ri, row in page.object_list if gj == gi]
        if mine:
            page_groups.append(PageGroup(gi + 1, group, [row for _ri, row in mine], mine[0][0]))
    return page, page_groups


@require_safe
@login_required
def progress_export(request):
    """The page's table as an Excel file (the seed's table with progress columns added)."""
    import tempfile

    from django.http import FileResponse, Http404
    from django.utils import timezone

    from quotas.excel import write_progress_workbook

    unit = _progress_scope(request)
    campaign = _campaign(request)
    if campaign is None:
        raise Http404
    # Written to a temporary file (in memory while small) and streamed from it in chunks.
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    write_progress_workbook(unit=unit, campaign=campaign, out=out)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"tien-do-{unit.code}-{timezone.localdate():%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
