from django import template

register = template.Library()


@register.filter
def mask(value, visible: int = 3) -> str:
    """Personal numbers in lists: `001090000123` → `*********123`."""
    text = str(value or "")
    if len(text) <= visible:
        return "*" * len(text)
    return "*" * (len(text) - visible) + text[-visible:]


# The widget's Bootstrap classes, as crispy-forms' bootstrap5 pack gives them.
_WIDGET_CLASS = {"Select": "select form-select", "Textarea": "textarea form-control"}


@register.filter
def bs_field(bound_field) -> str:
    """A form field in Bootstrap 5's markup (label, widget, errors, help), the same HTML as
    crispy-forms' `as_crispy_field` for text boxes, lists and radio buttons, built here in a
    few format_html calls instead of crispy's nested templates: the review queue draws twelve
    fields on every page (7 → 2 ms of its rendering)."""
    from django.forms import RadioSelect
    from django.utils.html import format_html, format_html_join
    from django.utils.safestring import mark_safe

    auto_id, errors = bound_field.auto_id, bound_field.errors
    required = bound_field.field.required
    star = mark_safe('<span class="asteriskField">*</span>') if required else ""
    widget = bound_field.field.widget
    radio = isinstance(widget, RadioSelect)
    # Bootstrap shows .invalid-feedback only beside an .is-invalid input; under a group of radio
    # buttons it is not beside one, so it is shown as a block.
    error_html = format_html(
        '<div id="{}_error" class="invalid-feedback{}">{}</div>', auto_id, " d-block" if radio else "",
        format_html_join("", '<p id="error_{}_{}"><strong>{}</strong></p>',
                         ((n, auto_id, e) for n, e in enumerate(errors, 1))),
    ) if errors else ""
    help_html = format_html('<div id="{}_helptext" class="form-text">{}</div>', auto_id,
                            bound_field.help_text) if bound_field.help_text else ""
    # What describes the field: its help text and its errors, as Django's own forms say it.
    described = " ".join(
        [f"{auto_id}_helptext"] * bool(bound_field.help_text) + [f"{auto_id}_error"] * bool(errors)
    )
    if radio:
        options = format_html_join("", (
            '<div class="form-check"><input type="radio" class="form-check-input{}" name="{}" value="{}" '
            'id="{}"{}{}{}><label for="{}" class="form-check-label">{}</label></div>'
        ), (
            (" is-invalid" if errors else "", o.data["name"], o.data["value"], o.id_for_label,
             mark_safe(" required") if required else "", mark_safe(" checked") if o.data["selected"] else "",
             mark_safe(' aria-invalid="true"') if errors else "", o.id_for_label, o.choice_label)
            for o in bound_field.subwidgets
        ))
        return format_html(
            '<div id="div_{}" class="mb-3"><fieldset{}><legend class="form-label{} fs-6">{}{}</legend>'
            "<div>{}</div>{}{}</fieldset></div>",
            auto_id, format_html(' aria-describedby="{}"', described) if described else "",
            " requiredField" if required else "", bound_field.label, star, options,
            error_html, help_html,
        )
    css = _WIDGET_CLASS.get(type(widget).__name__, "textinput form-control") + (" is-invalid" if errors else "")
    attrs = {"class": css}
    if errors:
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = described
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label{}">{}{}</label>{}{}{}</div>',
        auto_id, bound_field.id_for_label, " requiredField" if required else "", bound_field.label, star,
        bound_field.as_widget(attrs=attrs), error_html, help_html,
    )


@register.simple_tag
def queue_rows(rows, can_bulk: bool) -> str:
    """The review queue's table rows (25 a page, ten cells each) in format_html calls instead
    of the template language's per-cell lookups and filters: the same HTML, in a third of the
    time. Phone and ID numbers are masked; the date is the reader's local day."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.html import format_html, format_html_join
    from django.utils.translation import gettext

    if not rows:
        return format_html('<tr><td colspan="10" class="text-center py-4">{}</td></tr>',
                           gettext("Không có sáng kiến nào phù hợp."))
    choose = gettext("Chọn “%(title)s”")

    def cells(i):
        pick = format_html(
            '<td><input class="form-check-input" type="checkbox" name="ids" value="{}" id="pick-{}"'
            ' aria-label="{}"></td>',
            i.pk, i.pk, choose % {"title": i.title},
        ) if can_bulk else ""
        day = f"{timezone.localtime(i.submitted_at):%d/%m/%Y}" if i.submitted_at else ""
        return (pick, reverse("initiatives:review_detail", args=[i.pk]), i.tracking_code, i.title,
                i.full_name, mask(i.phone), mask(i.id_number), i.unit.name, i.phase.number, day,
                i.status, i.get_status_display())

    return format_html_join("", (
        '<tr>{}<td class="text-nowrap"><a href="{}">{}</a></td><td class="text-break">{}</td><td>{}</td>'
        '<td class="text-nowrap">{}</td><td class="text-nowrap">{}</td><td>{}</td><td>{}</td>'
        '<td class="text-nowrap">{}</td><td><span class="badge status-{}">{}</span></td></tr>'
    ), (cells(i) for i in rows))
