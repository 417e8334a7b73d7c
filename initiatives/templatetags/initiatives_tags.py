from django import template

register = template.Library()


@register.filter
def mask(value, visible: int = 3) -> str:
    """Personal numbers in lists: `001090000123` → `*********123`."""
    text = str(value or "")
    if len(text) <= visible:
        return "*" * len(text)
    return "*" * (len(text) - visible) + text[-visible:]
