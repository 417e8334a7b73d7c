from django import template
from django.utils.formats import get_format

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
