"""QR codes and printable posters that lead union members to their unit's submission form."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from quotas.models import Level, Role, Unit
from quotas.qr import qr_png, qr_svg, submit_url
from quotas.selectors import current_campaign, units_visible_to

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
