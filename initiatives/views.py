import datetime as dt
import functools
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.core import get_usage

from initiatives import rules
from initiatives.forms import INITIATIVE_FIELDS, EditForm, SubmissionForm, TrackForm, unit_search
from initiatives.models import Initiative, Status
from initiatives.services import initiative_resubmit, initiative_submit
from initiatives.workflow import IllegalMove
from portal.limits import TOO_MANY, too_many
from quotas.models import Level, Role, Unit
from quotas.selectors import ancestor_codes, current_campaign, units_visible_to
from quotas.text import in_vietnamese_order

log = logging.getLogger(__name__)

TRACKED = "tracked_initiative"
# The thank-you page is the submission's receipt, carried in a signed cookie of its own (not the
# session: an anonymous member's submission then writes no session row). It holds what the page
# shows, so that the page reads nothing from the database: every submission is followed by this
# page, and its query (with the connection's health check) was two fifths of the page's time
# (in-process, about 5 ms of CPU; now 2). Signed, not encrypted: no phone or ID number in it.
SUBMITTED_COOKIE = "csk_submitted"
SUBMITTED_SALT = "initiatives.submit_done.receipt"
SUBMITTED_AGE = 60 * 60


class _Utf8Json:
    """signing's serializer, with Vietnamese letters as UTF-8 rather than \\u escapes: the
    longest title and unit name then fit a cookie (4 KB) with room to spare."""

    def dumps(self, obj):
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()

    def loads(self, data):
        return json.loads(data.decode())


def receipt_cookie(initiative: Initiative) -> str:
    """What the thank-you page shows of a submission just stored, signed."""
    receipt = {
        "tracking_code": initiative.tracking_code,
        "title": initiative.title,
        "unit_name": initiative.unit.name,
        "submitted_at": initiative.submitted_at.timestamp(),
        "phase_number": initiative.phase.number,
    }
    return signing.dumps(receipt, salt=SUBMITTED_SALT, serializer=_Utf8Json, compress=True)


def read_receipt(value: str) -> dict | None:
    """The receipt of this browser's last submission, if it is genuine and at most an hour old."""
    try:
        receipt = signing.loads(value, salt=SUBMITTED_SALT, serializer=_Utf8Json, max_age=SUBMITTED_AGE)
    except (signing.BadSignature, ValueError):
        return None
    receipt["submitted_at"] = dt.datetime.fromtimestamp(receipt["submitted_at"], tz=dt.timezone.utc)
    return receipt


def _officer_units(user):
    """A logged-in union officer submits for members of their own units only."""
    if not user.is_authenticated:
        return None
    units = units_visible_to(user, roles=[Role.OFFICER])
    return units if units.exists() else None


def _initial_workplace(code: str) -> dict:
    """`?unit=<code>` (the QR code's link) preselects the unit and its ancestors."""
    unit = Unit.objects.filter(code=code, level=Level.GRASSROOTS).first() if code else None
    if unit is None:
        return {}
    return {**ancestor_codes([unit])[unit.pk], "unit": unit.code}


def _phone_key(group, request):
    """Rate-limit key: the phone number as the rules would store it (spaces, +84 ignored)."""
    raw = request.POST.get("phone", "")
    try:
        return rules.normalise_phone(raw)
    except ValidationError:
        return raw.strip()[:20]


def _code_key(group, request):
    from initiatives.tracking import normalise_code

    return normalise_code(request.POST.get("code", "")) or request.POST.get("code", "")[:30]


SUBMIT_LIMITS = [
    ("submit-ip", "ip", "SUBMIT_RATE"),
    ("submit-phone", _phone_key, "SUBMIT_RATE_PER_PHONE"),
]


def _submissions_used_up(request) -> bool:
    """Whether this address or phone has already stored as many submissions as its limits
    allow. Only stored submissions count (_count_submission): a member correcting a mistake,
    or a factory's members behind one address at the surge, are not stopped by forms the
    server refused and stored nothing of."""
    if not settings.RATELIMIT_ENABLE:
        return False
    for group, key, rate in SUBMIT_LIMITS:
        usage = get_usage(request, group=group, key=key, rate=getattr(settings, rate), method="POST")
        if usage is None:  # the cache failed and RATELIMIT_FAIL_OPEN says to let it through
            continue
        if usage["count"] >= usage["limit"]:
            return True
    return False


def _count_submission(request) -> None:
    if settings.RATELIMIT_ENABLE:
        for group, key, rate in SUBMIT_LIMITS:
            get_usage(request, group=group, key=key, rate=getattr(settings, rate), method="POST", increment=True)


STORAGE_DOWN = gettext_lazy(
    "Hệ thống tạm thời chưa lưu được tệp minh chứng nên sáng kiến chưa được nộp (không có gì bị lưu dở). "
    "Vui lòng thử lại sau ít phút; thông tin đã nhập vẫn được giữ, tệp cần chọn lại."
)


@never_cache
def submit(request):
    campaign = current_campaign()
    try:
        phase = rules.check_campaign_open(campaign) if campaign else None
    except ValidationError:
        phase = None
    if phase is None:
        return render(request, "initiatives/closed.html", {"campaign": campaign}, status=200)

    allowed = _officer_units(request.user)
    status = 200
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES, campaign=campaign)
        form.setup_workplace(campaign, allowed)
        if "_refine" in request.POST:
            form.show_without_errors()
        elif allowed is None and _submissions_used_up(request):
            # (An officer entering a pile of paper forms for their members is not limited:
            # logged in, known, and kept to their own units.)
            form.show_without_errors()
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            data = {name: form.cleaned_data[name] for name in INITIATIVE_FIELDS}
            try:
                initiative = initiative_submit(
                    campaign=campaign,
                    unit=form.cleaned_data["unit"],
                    data=data,
                    files=form.cleaned_data["files"],
                    entered_by=request.user if allowed is not None else None,
                )
            except ValidationError as error:
                form.add_error(None, error)
            except OSError:  # a full disk or a failing storage backend: nothing was kept
                log.exception("could not store a submission's files")
                form.add_error(None, STORAGE_DOWN)
                status = 503
            else:
                if allowed is None:
                    _count_submission(request)
                response = HttpResponseRedirect(_submit_done_url(get_script_prefix()))
                response.set_cookie(
                    SUBMITTED_COOKIE, receipt_cookie(initiative), max_age=SUBMITTED_AGE,
                    secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
                )
                return response
    else:
        form = SubmissionForm(initial=_initial_workplace(request.GET.get("unit", "")), campaign=campaign)
        form.setup_workplace(campaign, allowed)
    form.fill_workplace_choices()
    return render(
        request,
        "initiatives/submit.html",
        {
            "form": form, "campaign": campaign, "phase": phase, "entering_for_others": allowed is not None,
            "field_errors": any(name != NON_FIELD_ERRORS for name in form.errors),
            "blank_form_key": blank_form_key(form, campaign),
        },
        status=status,
    )


@functools.lru_cache(maxsize=8)
def _submit_done_url(script_prefix: str) -> str:
    """The thank-you page's address, resolved once per prefix the site is served under (reverse
    reads it): resolving it on every submission was 1.6 % of the POST's CPU (py-spy)."""
    return reverse("initiatives:submit_done")


def blank_form_key(form, campaign) -> str | None:
    """The key the blank form's fields are kept under, rendered, for a minute: every member who
    opens /submit/ gets the same fields (the CSRF token is outside them), and rendering them took
    most of the page's time (bench/run.py). None for a form with anything in it: what was typed,
    errors, a workplace preselected from the QR code's link. The key names the form's code and
    template as deployed, so that a new release never serves the fields of the one before."""
    if form.is_bound or any(form.initial.values()):
        return None
    return f"{_form_version()}:{campaign.pk}:{campaign.description_limit}:{translation.get_language()}"


@functools.cache
def _form_version() -> str:
    import hashlib
    from pathlib import Path

    from django.template.loader import get_template

    from initiatives import forms

    sources = [Path(forms.__file__).read_bytes(), Path(get_template("initiatives/_submit_fields.html").origin.name).read_bytes()]
    return hashlib.sha256(b"\0".join(sources)).hexdigest()[:12]


@never_cache
def submit_done(request):
    receipt = read_receipt(request.COOKIES.get(SUBMITTED_COOKIE, ""))
    if receipt is None:
        return redirect("initiatives:submit")
    return render(request, "initiatives/submit_done.html", {"receipt": receipt})


@require_GET
def unit_options(request):
    """The workplace chooser's data, a level at a time, never the whole tree:
    `?parent=<code>` gives its children, `?q=<text>` up to 20 grassroots unions by name."""
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    query = request.GET.get("q", "")[:100]
    if query:
        units = list(unit_search(query, campaign=campaign))
        paths = ancestor_codes(units)
        results = [{"code": u.code, "name": u.name, **paths[u.pk]} for u in units]
        return JsonResponse({"results": results})
    parent = Unit.objects.filter(code=request.GET.get("parent", ""), path__startswith=campaign.root.path).first()
    if parent is None:
        raise Http404
    children = Unit.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
    if parent.level == Level.SUPERIOR:
        children = Unit.objects.filter(path__startswith=parent.path, level=Level.GRASSROOTS)
    children = in_vietnamese_order(children.only("code", "name"))
    return JsonResponse({"results": [{"code": u.code, "name": u.name} for u in children]})


@never_cache
def track(request):
    """Code + phone show the initiative. A wrong pair gets one answer, whichever half is wrong,
    so the page reveals nothing about which codes exist."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and too_many(request, [
        ("track-ip", "ip", settings.TRACK_RATE),
        ("track-code", _code_key, settings.TRACK_RATE_PER_CODE),
    ]):
        return render(request, "initiatives/track.html", {"form": form, "limited": TOO_MANY}, status=429)
    if request.method == "POST" and form.is_valid():
        initiative = Initiative.objects.filter(
            tracking_code=form.cleaned_data["code"], phone=form.cleaned_data["phone"]
        ).first()
        if initiative is not None:
            request.session[TRACKED] = initiative.pk
            return redirect("initiatives:track_result")
        form.add_error(None, _("Không tìm thấy sáng kiến với mã tra cứu và số điện thoại này. Vui lòng kiểm tra lại."))
    return render(request, "initiatives/track.html", {"form": form})


def _tracked(request):
    initiative = (
        Initiative.objects.filter(pk=request.session.get(TRACKED))
        .select_related("unit", "phase", "campaign")
        .first()
    )
    return initiative


@never_cache
def track_result(request):
    initiative = _tracked(request)
    if initiative is None:
        return redirect("initiatives:track")
    history = initiative.history.all()
    return render(
        request,
        "initiatives/track_result.html",
        {"initiative": initiative, "history": history, "attachments": initiative.attachments.all()},
    )


@never_cache
def track_edit(request):
    """After "cần bổ sung thông tin", the member edits the initiative and sends it back."""
    initiative = _tracked(request)
    if initiative is None:
        return redirect("initiatives:track")
    if initiative.status != Status.RETURNED:
        messages.info(request, _("Sáng kiến này hiện không cần bổ sung."))
        return redirect("initiatives:track_result")
    form = EditForm(request.POST or None, request.FILES or None, instance=initiative, campaign=initiative.campaign)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in INITIATIVE_FIELDS if name in form.fields}
        try:
            initiative_resubmit(initiative=initiative, data=data, files=form.cleaned_data["files"])
        except IllegalMove as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Đã gửi lại sáng kiến để xét duyệt."))
            return redirect("initiatives:track_result")
    asked = initiative.history.filter(to_status=Status.RETURNED).order_by("-at", "-pk").first()
    return render(request, "initiatives/track_edit.html", {
        "form": form, "initiative": initiative, "asked": asked,
        "attachments": initiative.attachments.order_by("pk"),
    })
