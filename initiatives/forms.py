"""The submission form: validation only. The rules live in `initiatives.rules`."""

import copy
import functools

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.renderers import Jinja2
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from initiatives import rules
from initiatives.models import Initiative, RecognisedBy, RejectionReason, Sector, Status, TargetGroup
from quotas.models import Block, Campaign, Level, Unit
from quotas.text import in_vietnamese_order, vietnamese_key

DATE_HELP = _("Nhập theo dạng ngày/tháng/năm, ví dụ 15/10/2021.")


# ---------------------------------------------------------------- rendering

# The portal's forms draw their widgets with Jinja2, from the templates Django ships for it: the
# same HTML as its own template language (compared page by page), in half the time for long lists
# (/submit/?unit=…, the QR code's link on the national data, 400 options in its three lists:
# 110 → 50 ms). One renderer, which keeps its compiled templates. The admin's forms keep Django's
# renderer: its widgets have no Jinja2 templates.
WIDGET_RENDERER = Jinja2()


class JinjaWidgets:
    default_renderer = WIDGET_RENDERER


class DayMonthYearField(forms.DateField):
    """A date typed day-first (dd/mm/yyyy) in a plain text box, which works on every phone."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "dd/mm/yyyy", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 15/10/2021."),
    }

    def __init__(self, **kwargs):
        # Digits alone too (04092026): a phone's numeric keypad may have no "/".
        kwargs.setdefault("input_formats", ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d%m%Y"])
        kwargs.setdefault("localize", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        day = super().to_python(value)
        # A year far from ours is a typing slip, and 31/12/9999 has no next day to filter up to.
        if day is not None and not 1900 <= day.year <= 2100:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return day

    def prepare_value(self, value):
        return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each is checked by the rules."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [f for f in files if f]


class MoneyField(forms.CharField):
    """An amount in đồng, typed with or without thousands separators ("5.000.000")."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        digits = value.replace(".", "").replace(",", "").replace(" ", "").removesuffix("đ").removesuffix("VND")
        if not digits.isascii() or not digits.isdigit():
            raise ValidationError(_("Giá trị làm lợi là số tiền (đồng), ví dụ 5.000.000."), code="invalid")
        if len(digits) > 15:
            raise ValidationError(_("Giá trị làm lợi quá lớn."), code="too_big")
        return int(digits)

    def prepare_value(self, value):
        """A stored amount shown as it is typed: 5000000 → "5.000.000"."""
        return f"{value:,}".replace(",", ".") if isinstance(value, int) else value


class OpenChoiceField(forms.ChoiceField):
    """A list whose options depend on earlier choices: any value passes here, and the
    form's own clean method says, in the programme's words, what is wrong with it."""

    def valid_value(self, value):
        return True


class WorkplaceMixin(JinjaWidgets, forms.Form):
    """The workplace chosen down the tree: province or central sector → superior union →
    grassroots union. Without JavaScript each level is a plain <select> refreshed by a
    "Chọn" button; the script turns it into cascading lists and a type-ahead search."""

    province = OpenChoiceField(label=_("Tỉnh, thành phố hoặc công đoàn ngành Trung ương"), required=False)
    superior = OpenChoiceField(label=_("Công đoàn cấp trên trực tiếp cơ sở"), required=False)
    unit = OpenChoiceField(
        label=_("Công đoàn cơ sở"),
        error_messages={"required": _("Vui lòng chọn công đoàn cơ sở nơi bạn công tác.")},
    )
    unit_query = forms.CharField(
        label=_("Hoặc tìm nhanh công đoàn cơ sở theo tên"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("ví dụ: gia lam, dong a")}),
    )

    def setup_workplace(self, campaign: Campaign, allowed_units=None):
        """The campaign whose tree the workplace must belong to (and, for an officer, the units
        they may enter for). The lists themselves are filled only to show the form."""
        self.campaign = campaign
        self.allowed_units = allowed_units

    def fill_workplace_choices(self):
        """Fill the three lists for what is chosen so far (bound data or initial values)."""
        campaign = self.campaign
        value = self._current_value
        root = campaign.root
        # Every list in Vietnamese alphabetical order (Đ after D), which the folded name is not.
        provinces = in_vietnamese_order(Unit.objects.filter(path__startswith=root.path, depth=root.depth + 1))
        self.fields["province"].choices = [("", _("— Chọn —"))] + [(u.code, u.name) for u in provinces]
        province = next((u for u in provinces if u.code == value("province")), None)
        superiors = []
        if province:
            superiors = in_vietnamese_order(Unit.objects.filter(
                path__startswith=province.path, depth=province.depth + 1, level=Level.SUPERIOR
            ))
        self.fields["superior"].choices = [("", _("— Chọn —"))] + [(u.code, u.name) for u in superiors]
        superior = next((u for u in superiors if u.code == value("superior")), None)
        units = []
        if superior:
            units = [
                (u.code, u.name) for u in in_vietnamese_order(
                    Unit.objects.filter(path__startswith=superior.path, level=Level.GRASSROOTS).only("code", "name")
                )
            ]
        query = rules.normalise_text(value("unit_query") or "")
        if query:
            units = [(u.code, f"{u.name}") for u in unit_search(query, campaign=campaign)]
        chosen = value("unit")
        if chosen and chosen not in {code for code, _n in units}:
            unit = Unit.objects.filter(code=chosen, level=Level.GRASSROOTS).first()
            if unit:
                units.insert(0, (unit.code, unit.name))
        self.fields["unit"].choices = [("", _("— Chọn —"))] + units

    def _current_value(self, name):
        if self.is_bound:
            return self.data.get(self.add_prefix(name), "")
        return self.initial.get(name, "")

    def clean_unit(self):
        code = self.cleaned_data.get("unit")
        unit = rules.check_workplace(Unit.by_code(code) if code else None, campaign=self.campaign)
        if self.allowed_units is not None and not self.allowed_units.filter(pk=unit.pk).exists():
            raise ValidationError(_("Bạn chỉ nhập hộ được cho các đơn vị mình phụ trách."), code="out_of_scope")
        return unit

    def show_without_errors(self):
        """Re-render what was typed after a "Chọn"/"Tìm" step, without judging it yet."""
        self._errors = ErrorDict()
        self.cleaned_data = {}


SEARCH_CANDIDATES = 200


def unit_search(query: str, *, campaign: Campaign, limit: int = 20) -> list[Unit]:
    """Grassroots unions whose name contains `query`, ignoring diacritics and case, by name.

    The database is asked for matches in no order (at most SEARCH_CANDIDATES), which the name's
    trigram index finds at once; they are sorted here. Asked for them in name order, it may walk
    the name index from "a" and test 120,000 names to find twenty that sort late (measured at
    national scale: 69 ms against a few). A query that matches hundreds shows twenty of them,
    and the member types on."""
    from quotas.text import fold

    folded = fold(query)
    if not folded:
        return []
    found = list(
        Unit.objects.filter(path__startswith=campaign.root.path, level=Level.GRASSROOTS, search_name__contains=folded)
        .order_by()[:SEARCH_CANDIDATES]
    )
    found.sort(key=lambda unit: (vietnamese_key(unit.name), unit.pk))
    return found[:limit]


# ---------------------------------------------------------------- each form's own fields

_PLAIN_FIELD_COPY = {forms.Field.__deepcopy__, forms.ChoiceField.__deepcopy__}
_PLAIN_WIDGET_COPY = {forms.Widget.__deepcopy__, forms.widgets.ChoiceWidget.__deepcopy__}


def _clone(obj):
    clone = object.__new__(type(obj))
    clone.__dict__.update(obj.__dict__)
    return clone


@functools.cache
def _plain(kind: type) -> bool:
    """Copied by Django's own rules, with none of the copy module's hooks of its own."""
    copiers = _PLAIN_FIELD_COPY if issubclass(kind, forms.Field) else _PLAIN_WIDGET_COPY
    return kind.__deepcopy__ in copiers and not any(hasattr(kind, hook) for hook in ("__copy__", "__setstate__"))


def _grouped(choices) -> bool:
    return isinstance(choices, list) and any(isinstance(value, (list, tuple)) for _key, value in choices)


def copy_field(field: forms.Field, memo: dict) -> forms.Field:
    """The copy Django's Field.__deepcopy__ makes (and ChoiceField's, and their widgets'): the
    field and its widget cloned, their attributes, messages, validators and choices in lists
    of their own; the choices themselves, fixed pairs, shared. Without the copy module's
    general machinery, which cost a submission 7 % of its instructions (callgrind). A field or
    widget with copying rules of its own, or grouped choices, gets Django's deep copy."""
    if (
        not _plain(type(field))
        or not _plain(type(field.widget))
        or _grouped(getattr(field, "_choices", None))
    ):
        return copy.deepcopy(field, memo)
    result = memo[id(field)] = _clone(field)
    widget = result.widget = _clone(field.widget)
    widget.attrs = field.widget.attrs.copy()
    if isinstance(widget, forms.widgets.ChoiceWidget):
        widget.choices = copy.copy(field.widget.choices)
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    if isinstance(field, forms.ChoiceField):
        result._choices = copy.copy(field._choices)
    return result


class Prototypes(dict):
    """A form class's fields, which every form of the class copies for itself (BaseForm's
    deepcopy of base_fields) field by field with copy_field."""

    def __deepcopy__(self, memo):
        return {name: copy_field(field, memo) for name, field in self.items()}


class CopiesFieldsCheaply(type(forms.ModelForm)):
    """ModelForm's metaclass, with the class's fields kept as Prototypes."""

    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = Prototypes(new_class.base_fields)
        return new_class


INITIATIVE_FIELDS = [
    "full_name", "phone", "id_number", "workplace", "sector", "email",
    "target_group", "title", "solution_type", "description", "benefit_value", "co_authors",
    "recognised_by", "decision_number", "decision_date", "applied_on", "drive_link",
]


class InitiativeFieldsForm(JinjaWidgets, forms.ModelForm, metaclass=CopiesFieldsCheaply):
    """The initiative's own fields, with the programme's rules. Shared by the first submission
    and by the member's edit after a reviewer returned it."""

    benefit_value = MoneyField(
        label=_("Giá trị làm lợi (đồng, nếu có)"), required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": _("ví dụ: 5.000.000")}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "09xx xxx xxx"}),
    )
    id_number = forms.CharField(
        label=_("CMND/Căn cước công dân"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    drive_link = forms.URLField(
        label=_("Hoặc đường dẫn Google Drive đã chia sẻ"), required=False, max_length=500, assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://drive.google.com/…"}),
    )
    # The radio lists offer the model's choices without the empty "---------" a ModelForm adds.
    sector = forms.ChoiceField(label=_("Khu vực"), choices=Sector.choices, widget=forms.RadioSelect)
    target_group = forms.ChoiceField(label=_("Sáng kiến thuộc đối tượng"), choices=TargetGroup.choices, widget=forms.RadioSelect)
    recognised_by = forms.ChoiceField(label=_("Sáng kiến được công nhận bởi"), choices=RecognisedBy.choices, widget=forms.RadioSelect)
    decision_date = DayMonthYearField(label=_("Ngày quyết định công nhận"), help_text=DATE_HELP)
    applied_on = DayMonthYearField(label=_("Ngày đưa vào áp dụng"), help_text=DATE_HELP)
    files = MultipleFileField(
        label=_("Tệp minh chứng (ảnh JPEG/PNG, PDF, Word; tối đa 5 tệp, mỗi tệp 10 MB)"), required=False,
        widget=MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf,.doc,.docx,image/jpeg,image/png,application/pdf"}),
    )

    class Meta:
        model = Initiative
        fields = INITIATIVE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "co_authors": forms.Textarea(attrs={"rows": 2}),
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        error_messages = {
            "email": {"invalid": _("Địa chỉ thư điện tử không hợp lệ. Nhập đầy đủ, ví dụ: nguyenvana@gmail.com.")},
        }
        labels = {
            "email": _("Thư điện tử (nếu muốn nhận thông báo kết quả)"),
            "workplace": _("Bộ phận, phòng ban (nếu có)"),
            "decision_number": _("Số quyết định (văn bản) công nhận"),
        }

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["description"].help_text = _("Tối đa %(limit)s ký tự.") % {"limit": f"{campaign.description_limit:,}".replace(",", ".")}
        self.fields["description"].widget.attrs["data-limit"] = campaign.description_limit

    def clean_full_name(self):
        name = rules.clean_line(self.cleaned_data["full_name"])
        if not name:
            raise ValidationError(_("Vui lòng nhập họ và tên."), code="required")
        return name

    def clean_title(self):
        title = rules.clean_line(self.cleaned_data["title"])
        if not title:
            raise ValidationError(_("Vui lòng nhập tên sáng kiến."), code="required")
        return title

    def clean_phone(self):
        return rules.normalise_phone(self.cleaned_data["phone"])

    def clean_id_number(self):
        return rules.normalise_id_number(self.cleaned_data["id_number"])

    def clean_description(self):
        return rules.check_description(self.cleaned_data["description"], limit=self.campaign.description_limit)

    def clean_co_authors(self):
        return rules.normalise_text(self.cleaned_data["co_authors"])

    def clean_workplace(self):
        return rules.clean_line(self.cleaned_data["workplace"])

    def clean_decision_number(self):
        return rules.check_decision_number(self.cleaned_data["decision_number"])

    def clean_decision_date(self):
        return rules.check_decision_date(self.cleaned_data["decision_date"], campaign=self.campaign)

    def clean_applied_on(self):
        return rules.check_applied_on(self.cleaned_data["applied_on"], campaign=self.campaign)

    def clean_drive_link(self):
        return rules.check_drive_link(self.cleaned_data["drive_link"])

    def clean_files(self):
        return rules.check_files(self.cleaned_data["files"])

    def existing_evidence(self) -> bool:
        return False

    def description_count(self) -> int:
        """The server's count of what is in the box, shown before any script runs."""
        return rules.count_characters(self["description"].value() or "")

    def clean(self):
        data = super().clean()
        if "files" in data and "drive_link" in data and not self.existing_evidence():
            try:
                rules.check_evidence(files=data["files"], drive_link=data["drive_link"])
            except ValidationError as error:
                self.add_error("files", error)
        return data


@functools.cache
def _column_lengths() -> list[tuple[str, int]]:
    """The text columns a submission fills, with their lengths."""
    fields = (Initiative._meta.get_field(name) for name in INITIATIVE_FIELDS)
    return [(field.name, field.max_length) for field in fields if field.max_length]


class SubmissionForm(WorkplaceMixin, InitiativeFieldsForm):
    not_ip_protected = forms.BooleanField(
        label=_("Tôi cam đoan sáng kiến không thuộc diện đang được bảo hộ quyền sở hữu trí tuệ theo quy định của pháp luật."),
        error_messages={"required": _("Sáng kiến đang được bảo hộ quyền sở hữu trí tuệ không được tham gia Chương trình; vui lòng xác nhận.")},
    )
    consent = forms.BooleanField(
        label=_("Tôi đồng ý cho Ban Tổ chức xử lý dữ liệu cá nhân của tôi như mô tả ở trên."),
        error_messages={"required": _("Cần có sự đồng ý của bạn để xử lý dữ liệu cá nhân thì mới nộp được sáng kiến.")},
    )

    # A honeypot: hidden from people (and screen readers), left empty by them, filled by bots.
    website = forms.CharField(
        label=_("Để trống ô này"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise ValidationError(_("Không gửi được biểu mẫu. Vui lòng tải lại trang và thử lại."), code="spam")
        return ""

    def _post_clean(self):
        """Instead of ModelForm's model round, only the columns' lengths, measured on the
        cleaned values. A submission is stored by `initiative_submit` from cleaned_data, never
        through this form's instance, and each field here already holds the model's choices
        and its length as typed; but normalising can lengthen a value (Unicode NFC decomposes
        a few letters, U+0958 into two code points), so the lengths are measured again after
        it (tests/initiatives/test_submit.py sends a value past each limit). The model round
        filled an instance and validated every field a second time: 3.6 % of a submission's
        CPU (py-spy)."""
        for name, limit in _column_lengths():
            value = self.cleaned_data.get(name)
            if isinstance(value, str) and len(value) > limit:
                try:
                    MaxLengthValidator(limit)(value)
                except ValidationError as error:
                    self.add_error(name, error)

    field_order = ["full_name", "phone", "id_number", "email", "workplace", "sector",
                   "province", "superior", "unit", "unit_query"]


class TrackForm(JinjaWidgets, forms.Form):
    code = forms.CharField(
        label=_("Mã tra cứu"), max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "placeholder": "K7QM-4XRP-9HTC"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại đã dùng khi nộp"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_code(self):
        from initiatives.tracking import normalise_code

        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(_("Mã tra cứu gồm 12 ký tự chữ và số, ví dụ K7QM-4XRP-9HTC."), code="invalid")
        return code

    def clean_phone(self):
        return rules.normalise_phone(self.cleaned_data["phone"])


class EditForm(InitiativeFieldsForm):
    """The member's edit: everything but the identity fields, which the lookup proved."""

    class Meta(InitiativeFieldsForm.Meta):
        fields = [f for f in INITIATIVE_FIELDS if f not in ("phone", "id_number")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["phone"], self.fields["id_number"]

    def existing_evidence(self) -> bool:
        return self.instance.attachments.exists() or bool(self.instance.drive_link)

    def clean_files(self):
        files = super().clean_files()
        if len(files) + self.instance.attachments.count() > rules.MAX_FILES:
            raise ValidationError(
                _("Mỗi sáng kiến có tối đa %(max)s tệp; sáng kiến đã có %(count)s tệp.")
                % {"max": rules.MAX_FILES, "count": self.instance.attachments.count()}
            )
        return files


# ------------------------------------------------------------------ review

SORTS = {
    "newest": ("submitted_at", True, _("Mới nộp trước")),
    "oldest": ("submitted_at", False, _("Nộp trước lên trước")),
    "title": ("title", False, _("Tên sáng kiến (A–Z)")),
}


class QueueFilterForm(JinjaWidgets, forms.Form):
    """The review queue's filters. Every field is optional; a bad value is simply ignored."""

    q = forms.CharField(label=_("Tìm theo tên sáng kiến, người nộp hoặc mã tra cứu"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Trạng thái"), required=False, choices=[("", _("Tất cả"))] + Status.choices)
    phase = forms.TypedChoiceField(
        label=_("Giai đoạn"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Tất cả")), ("1", _("Giai đoạn 1")), ("2", _("Giai đoạn 2"))],
    )
    unit = forms.CharField(label=_("Mã đơn vị"), required=False, max_length=32)
    block = forms.ChoiceField(label=_("Khối"), required=False, choices=[("", _("Tất cả"))] + Block.choices)
    target_group = forms.ChoiceField(
        label=_("Đối tượng"), required=False, choices=[("", _("Tất cả"))] + TargetGroup.choices
    )
    date_from = DayMonthYearField(label=_("Nộp từ ngày"), required=False)
    date_to = DayMonthYearField(label=_("đến ngày"), required=False)
    sort = forms.ChoiceField(
        label=_("Sắp xếp"), required=False, choices=[(k, v[2]) for k, v in SORTS.items()]
    )


class DecisionForm(JinjaWidgets, forms.Form):
    to = forms.ChoiceField(
        label=_("Quyết định"),
        widget=forms.RadioSelect,
        choices=[
            (Status.APPROVED, _("Công nhận")),
            (Status.REJECTED, _("Không công nhận")),
            (Status.RETURNED, _("Yêu cầu bổ sung thông tin")),
            (Status.WITHDRAWN, _("Rút theo đề nghị của đoàn viên")),
        ],
    )
    reason = forms.ChoiceField(
        label=_("Lý do không công nhận"), required=False, choices=[("", _("— Chọn lý do —"))] + RejectionReason.choices
    )
    note = forms.CharField(
        label=_("Ghi chú gửi đoàn viên"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, allowed: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed is not None:
            self.fields["to"].choices = [c for c in self.fields["to"].choices if c[0] in allowed]

    def clean(self):
        from initiatives.workflow import check_decision

        data = super().clean()
        if "to" in data:
            if data["to"] != Status.REJECTED:
                data["reason"] = ""
            try:
                check_decision(to=data["to"], reason=data.get("reason", ""), note=data.get("note", ""))
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return data


class BulkDecisionForm(DecisionForm):
    ids = forms.TypedMultipleChoiceField(coerce=int, required=True, error_messages={
        "required": _("Chưa chọn sáng kiến nào."),
    })

    def __init__(self, *args, **kwargs):
        super().__init__(*args, allowed=[Status.APPROVED, Status.REJECTED], **kwargs)
        # The selection is checked against the user's scope by the view, not against a list here.
        self.fields["ids"].valid_value = lambda value: True
