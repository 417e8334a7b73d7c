from django import template
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# A district's table has some twenty thousand numbers: format them with plain string operations
# and the reader's separators, not Django's general number_format (measured: most of the page).


@register.filter
def num(value) -> str:
    """5342 → "5.342" (the reader's thousands separator)."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}".replace(",", get_format("THOUSAND_SEPARATOR"))


@register.filter
def percent(value) -> str:
    """52.345 → "52,3%" (the reader's decimal separator); no target → "—"."""
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", get_format("DECIMAL_SEPARATOR")) + "%"


@register.filter
def bar(value) -> int:
    """A progress bar's width: the percentage, held between 0 and 100."""
    return 0 if value is None else max(0, min(100, round(value)))


@register.filter
def phase_cell(row, number):
    return row.phases.get(number)


@register.simple_tag
def progress_cells(row):
    """One progress row's cells: target, submitted, approved and percent for each phase (with a
    bar), then the same for the whole programme. A tag rather than an include, because a
    district's table has a thousand rows."""
    cells = row.cells
    html = []
    for i, cell in enumerate(cells):
        last = i == len(cells) - 1
        html.append(format_html(
            '<td class="num{}">{}</td><td class="num">{}</td><td class="num">{}</td>',
            " fw-semibold" if last else "", num(cell.target), num(cell.submitted), num(cell.approved),
        ))
        if last:
            html.append(format_html('<td class="num">{}</td>', percent(cell.percent)))
        else:
            html.append(format_html(
                '<td class="pct"><div class="d-flex align-items-center gap-1"><span class="num flex-shrink-0">{}</span>'
                '<div class="progress flex-grow-1" role="presentation"><div class="progress-bar bg-success w-{}">'
                "</div></div></div></td>",
                percent(cell.percent), bar(cell.percent),
            ))
    return mark_safe("".join(html))
