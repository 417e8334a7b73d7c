"""Each form gets fields of its own: the cheap copy (initiatives.forms.copy_field) makes what
Django's deep copy makes."""

import copy

import pytest
from django import forms

from initiatives.forms import EditForm, SubmissionForm
from quotas.selectors import current_campaign


def _djangos_copy(fields):
    return {name: copy.deepcopy(field) for name, field in fields.items()}


@pytest.mark.parametrize("form_class", [SubmissionForm, EditForm])
def test_a_forms_fields_are_copied_as_django_copies_them(form_class):
    prototypes = form_class.base_fields
    ours, django = copy.deepcopy(prototypes), _djangos_copy(prototypes)
    assert list(ours) == list(django) == list(prototypes)
    for name, field in ours.items():
        expected, prototype = django[name], prototypes[name]
        assert type(field) is type(expected) and type(field.widget) is type(expected.widget), name
        assert field is not prototype and field.widget is not prototype.widget, name
        assert vars(field).keys() == vars(expected).keys(), name
        assert (field.label, field.required, field.help_text) == (expected.label, expected.required, expected.help_text)
        assert field.widget.attrs == expected.widget.attrs and field.widget.attrs is not prototype.widget.attrs
        assert field.error_messages == expected.error_messages
        assert field.error_messages is not prototype.error_messages
        assert field.validators == expected.validators and field.validators is not prototype.validators
        if isinstance(field, forms.ChoiceField):
            assert list(field.choices) == list(expected.choices) == list(field.widget.choices), name
            assert field.choices is not prototype.choices and field.widget.choices is not prototype.widget.choices


def test_what_one_form_changes_in_its_fields_no_other_form_sees(demo):
    campaign = current_campaign()
    first = SubmissionForm(campaign=campaign)
    first.fields["unit"].choices = [("X", "x")]
    first.fields["sector"].choices = [("enterprise", "only")]
    first.fields["phone"].widget.attrs["placeholder"] = "changed"
    first.fields["phone"].error_messages["required"] = "changed"
    first.fields["title"].validators.append(lambda value: None)
    first.fields["email"].help_text = "changed"

    second = SubmissionForm(campaign=campaign)
    assert list(second.fields["unit"].choices) == []
    assert len(second.fields["sector"].choices) > 1 and len(second.fields["sector"].widget.choices) > 1
    assert second.fields["phone"].widget.attrs["placeholder"] == "09xx xxx xxx"
    assert second.fields["phone"].error_messages["required"] != "changed"
    assert second.fields["title"].validators == SubmissionForm.base_fields["title"].validators
    assert second.fields["email"].help_text != "changed"
    # The description's limit is set per form from its campaign, on its own widget.
    assert second.fields["description"].widget.attrs["data-limit"] == campaign.description_limit
    assert "data-limit" not in SubmissionForm.base_fields["description"].widget.attrs


def test_a_field_with_grouped_choices_or_copy_rules_of_its_own_gets_djangos_copy():
    from initiatives.forms import copy_field

    grouped = forms.ChoiceField(choices=[("Nhóm A", [("a", "A")]), ("b", "B")])
    copied = copy_field(grouped, {})
    assert copied.choices == grouped.choices and copied.choices[0][1] is not grouped.choices[0][1]

    class Counted(forms.CharField):
        copies = 0

        def __deepcopy__(self, memo):
            Counted.copies += 1
            return super().__deepcopy__(memo)

    copy_field(Counted(), {})
    assert Counted.copies == 1


def _normalised(html) -> str:
    import re

    html = re.sub(r"\s+", " ", str(html))
    html = re.sub(r"\s*([<>])\s*", r"\1", html)
    # Attribute order inside a tag is not markup: sort each tag's attributes.
    return re.sub(r"<(\w+)([^<>]*)>", lambda m: "<" + m.group(1) + " ".join(sorted(m.group(2).split(" "))) + ">", html)


@pytest.mark.parametrize("data", [None, {"q": "khay", "date_from": "31/02/2022", "phase": "1", "sort": "title"}])
def test_the_queues_fields_are_drawn_as_crispy_forms_draws_them(data):
    """The review queue draws its fields with `bs_field`, a few format_html calls, not crispy's
    templates (7 → 2 ms a page): the HTML is the same (labels, classes, errors and all)."""
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

    from initiatives.forms import BulkDecisionForm, QueueFilterForm
    from initiatives.templatetags.initiatives_tags import bs_field

    for form in (QueueFilterForm(data), BulkDecisionForm(data and {"to": "rejected", "note": "x"})):
        if form.is_bound:
            form.is_valid()
        for name in form.fields:
            if name != "ids":
                assert _normalised(bs_field(form[name])) == _normalised(as_crispy_field(form[name])), name
    bad_date = QueueFilterForm(data)
    if data:  # the wrong date's message is shown under its box, which says it is wrong
        bad_date.is_valid()
        html = str(bs_field(bad_date["date_from"]))
        assert "is-invalid" in html and "Ngày không hợp lệ" in html and 'value="31/02/2022"' in html


def test_a_wrong_radio_choice_is_said_where_it_is_seen():
    """Under radio buttons the error box is not beside an input Bootstrap marks invalid: it is
    shown as a block, and the group points at it for screen readers."""
    from initiatives.forms import BulkDecisionForm
    from initiatives.templatetags.initiatives_tags import bs_field

    form = BulkDecisionForm({"to": "bogus"})
    assert not form.is_valid()
    html = str(bs_field(form["to"]))
    assert '<fieldset aria-describedby="id_to_error">' in html
    assert 'class="invalid-feedback d-block"' in html and html.count('aria-invalid="true"') == 2
