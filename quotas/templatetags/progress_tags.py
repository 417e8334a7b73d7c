from urllib.parse import quote

from django import template
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from quotas.models import Level

register = template.Library()

# A district's table has some twenty thousand numbers: format them with plain string operations
# and the reader's separators, not Django's general number_format (measured: most of the page).


def _number(value, thousands: str) -> str:
    return f"{int(value):,}".replace(",", thousands)


def _share(value, decimal: str) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", decimal) + "%"


@register.filter
def num(value) -> str:
    """5342 → "5.342" (the reader's thousands separator)."""
    if value is None or value == "":
        return ""
    return _number(value, get_format("THOUSAND_SEPARATOR"))


@register.filter
def percent(value) -> str:
    """52.345 → "52,3%" (the reader's decimal separator); no target → "—"."""
    return _share(value, get_format("DECIMAL_SEPARATOR"))


@register.filter
def bar(value) -> int:
    """A progress bar's width: the percentage, held between 0 and 100."""
    return 0 if value is None else max(0, min(100, round(value)))


@register.filter
def phase_cell(row, number):
    return row.phases.get(number)


def _formatters():
    """num and percent with the reader's separators, looked up once for a whole table."""
    thousands, decimal = get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")
    return (lambda value: _number(value, thousands)), (lambda value: _share(value, decimal))


def _cells_html(row, number, share) -> str:
    """One progress row's cells: target, submitted, approved and percent for each phase (with a
    bar), then the same for the whole programme. Only numbers go in, so plain string building
    is safe, and a district's thousand rows take milliseconds, not a tenth of a second."""
    cells = row.cells
    html = []
    for i, cell in enumerate(cells):
        percent_ = cell.percent
        if i == len(cells) - 1:
            html.append(
                f'<td class="num fw-semibold">{number(cell.target)}</td><td class="num">{number(cell.submitted)}</td>'
                f'<td class="num">{number(cell.approved)}</td><td class="num">{share(percent_)}</td>'
            )
        else:
            html.append(
                f'<td class="num">{number(cell.target)}</td><td class="num">{number(cell.submitted)}</td>'
                f'<td class="num">{number(cell.approved)}</td>'
                f'<td class="pct"><div class="d-flex align-items-center gap-1"><span class="num flex-shrink-0">{share(percent_)}</span>'
                f'<div class="progress flex-grow-1" role="presentation"><div class="progress-bar bg-success w-{bar(percent_)}">'
                "</div></div></div></td>"
            )
    return "".join(html)


@register.simple_tag
def progress_cells(row):
    """One row's cells (a subtotal, the total)."""
    return mark_safe(_cells_html(row, *_formatters()))


@register.simple_tag
def progress_rows(part, unit_query):
    """A block's unit rows on this page (views.PageGroup): number, name (a link into the unit
    above grassroots level, carrying `unit_query`: views._unit_query) and cells."""
    number, share = _formatters()
    rest = escape("&" + unit_query) if unit_query else ""
    numbered = bool(part.group.label)  # a lazy translation: asked once, not per row
    html = []
    for n, row in enumerate(part.rows, part.start + 1):
        unit = row.unit
        name = escape(unit.name)
        if unit.level != Level.GRASSROOTS:
            name = f'<a href="?unit={escape(quote(unit.code, safe=""))}{rest}">{name}</a>'
        counter = f"{part.number}.{n}" if numbered else str(n)
        html.append(
            f'<tr><td>{counter}</td><th scope="row" class="fw-normal">{name}</th>{_cells_html(row, number, share)}</tr>'
        )
    if not html:
        html.append(f'<tr><td colspan="20" class="text-center">{escape(gettext("Không có đơn vị nào."))}</td></tr>')
    return mark_safe("".join(html))


@register.simple_tag
def lagging_rows(lagging, phase):
    """The lagging units' rows (progress.lagging: row and what was due by today): name, the
    phase's target, due so far (rounded as the template's floatformat:"0g"), approved, percent —
    plain string building like the table's."""
    from django.template.defaultfilters import floatformat

    number, share = _formatters()
    html = []
    for row, due in lagging:
        cell = row.phases[phase.number]
        html.append(
            f'<tr><td>{escape(row.unit.name)}</td><td class="num">{number(cell.target)}</td>'
            f'<td class="num">{floatformat(due, "0g")}</td><td class="num">{number(cell.approved)}</td>'
            f'<td class="num">{share(cell.percent)}</td></tr>'
        )
    return mark_safe("".join(html))
