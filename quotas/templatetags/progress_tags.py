from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value) -> str:
    """52.345 → "52,3%" (the reader's decimal separator); no target → "—"."""
    if value is None:
        return "—"
    return f"{number_format(value, 1, use_l10n=True)}%"


@register.filter
def bar(value) -> int:
    """A progress bar's width: the percentage, held between 0 and 100."""
    return 0 if value is None else max(0, min(100, round(value)))


@register.filter
def phase_cell(row, number):
    return row.phases.get(number)
