"""The programme's rules for a submission, as plain functions.

Each check either returns the cleaned value or raises `ValidationError` with a Vietnamese
message (through gettext, so English can follow) that says what to fix. Sources: the seed's
"Quy trình đăng ký" (step 3) and "Lưu ý", Hướng dẫn 46/HD-TLĐ, and the national ID formats.
"""

import datetime as dt
import re
import unicodedata
import zipfile
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from quotas.models import Campaign, Level, Unit

# ---------------------------------------------------------------- text

_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
# White space stripped at both ends: one explicit set, the same in static/js/submit.js, because
# Python's str.strip() and JavaScript's trim() disagree at the edges (U+001C–U+001F, U+0085, U+FEFF).
_EDGE_SPACE = re.compile(
    "^[ \t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
    "|[ \t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$"
)


def normalise_text(text: str) -> str:
    """Text as a person counts it: Unicode NFC (Word may paste decomposed NFD), every line
    break a single LF whether it came as CRLF, CR or LF, and no white space at either end.
    The browser counter (static/js/submit.js) applies the same steps."""
    return _EDGE_SPACE.sub("", _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text)))


def clean_line(text: str) -> str:
    """A one-line value (a name, a title, a number): normalised like any text, without control
    or invisible formatting characters (NUL, zero-width spaces, direction marks), and with runs
    of white space made one space."""
    text = normalise_text(text)
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\t\n")
    return " ".join(visible.split())


def count_characters(text: str) -> int:
    """Characters of the normalised text, in Unicode code points (what JavaScript's
    `Array.from(s).length` counts, so an emoji is one)."""
    return len(normalise_text(text))


def check_description(text: str, *, limit: int) -> str:
    """The seed's step 3 (4): "tối đa 2000 ký tự" — the campaign's limit."""
    cleaned = normalise_text(text)
    if not cleaned:
        raise ValidationError(_("Vui lòng mô tả sáng kiến."), code="required")
    if len(cleaned) > limit:
        raise ValidationError(
            _("Phần mô tả dài %(count)s ký tự, vượt quá giới hạn %(limit)s ký tự. Vui lòng rút gọn.")
            % {"count": _num(len(cleaned)), "limit": _num(limit)},
            code="too_long",
        )
    return cleaned


def _num(value: int) -> str:
    return f"{value:,}".replace(",", ".")


# ---------------------------------------------------------------- dates


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def check_applied_on(day: dt.date, *, campaign: Campaign) -> dt.date:
    """The seed's Lưu ý: an initiative put into use outside 01/9/2021 – 01/9/2022 does not
    take part. Both ends of the campaign's window are inclusive."""
    if not campaign.application_start <= day <= campaign.application_end:
        raise ValidationError(
            _("Ngày đưa vào áp dụng phải trong khoảng từ %(start)s đến %(end)s; sáng kiến áp dụng ngoài thời gian này không được tham gia Chương trình.")
            % {"start": _d(campaign.application_start), "end": _d(campaign.application_end)},
            code="outside_window",
        )
    if day > timezone.localdate():
        raise ValidationError(_("Ngày đưa vào áp dụng không thể ở tương lai."), code="future")
    return day


def check_decision_date(day: dt.date, *, campaign: Campaign) -> dt.date:
    """The seed's Lưu ý: recognised in writing and allowed to be applied from 01/9/2021,
    so the decision is dated on or after the window's start, and not in the future."""
    if day < campaign.application_start:
        raise ValidationError(
            _("Quyết định công nhận phải có từ ngày %(start)s trở đi.") % {"start": _d(campaign.application_start)},
            code="too_early",
        )
    if day > timezone.localdate():
        raise ValidationError(_("Ngày quyết định công nhận không thể ở tương lai."), code="future")
    return day


def check_decision_number(text: str) -> str:
    """The seed's Lưu ý: only initiatives recognised by a competent body take part."""
    cleaned = clean_line(text)
    if not cleaned:
        raise ValidationError(
            _("Vui lòng nhập số quyết định (văn bản) công nhận sáng kiến; sáng kiến chưa được công nhận không được tham gia."),
            code="required",
        )
    return cleaned


# ---------------------------------------------------------------- identity

_PHONE = re.compile(r"^(?:\+84|0)([35789][0-9]{8})$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def ascii_digits(text: str) -> str:
    """Any decimal digit as its ASCII one (a full-width ０ from some keyboards becomes 0), so
    that a number is stored, tracked and rate-limited in one spelling only."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def normalise_phone(text: str) -> str:
    """A Vietnamese mobile number: 0 or +84, then 3, 5, 7, 8 or 9 and eight more digits.
    Spaces, dots and dashes are ignored; the result is stored as 0xxxxxxxxx."""
    match = _PHONE.match(_PHONE_SEPARATORS.sub("", ascii_digits(text)))
    if not match:
        raise ValidationError(
            _("Số điện thoại di động không hợp lệ. Nhập 10 chữ số bắt đầu bằng 03, 05, 07, 08 hoặc 09 (hoặc +84)."),
            code="invalid",
        )
    return "0" + match.group(1)


def normalise_id_number(text: str) -> str:
    """Old CMND: 9 digits. CCCD: 12 digits whose first three are a province code 001–096."""
    digits = re.sub(r"[\s.\-]", "", ascii_digits(text))
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (9, 12):
        raise ValidationError(
            _("Số CMND/CCCD gồm 9 chữ số (CMND) hoặc 12 chữ số (căn cước công dân)."), code="invalid"
        )
    if len(digits) == 12 and not 1 <= int(digits[:3]) <= 96:
        raise ValidationError(
            _("Số căn cước công dân không hợp lệ: ba chữ số đầu là mã tỉnh, từ 001 đến 096."),
            code="invalid_province",
        )
    return digits


# ---------------------------------------------------------------- campaign and workplace


def check_campaign_open(campaign: Campaign, *, today: dt.date | None = None):
    """Submissions are taken only while the campaign is open and inside one of its phases;
    returns that phase (an initiative counts in the phase in which it was submitted)."""
    today = today or timezone.localdate()
    phase = campaign.phase_on(today) if campaign.is_open else None
    if phase is None:
        raise ValidationError(_("Chương trình hiện không nhận sáng kiến."), code="closed")
    return phase


def check_workplace(unit: Unit | None, *, campaign: Campaign) -> Unit:
    """The workplace is a grassroots union (CĐCS) of the campaign's tree."""
    if unit is None or unit.level != Level.GRASSROOTS or not unit.path.startswith(campaign.root.path):
        raise ValidationError(_("Vui lòng chọn công đoàn cơ sở nơi bạn công tác."), code="invalid_unit")
    return unit


# ---------------------------------------------------------------- evidence

MAX_FILES = 5
MAX_FILE_SIZE = 10 * 1024 * 1024
# A DOCX is a zip: refuse one that unpacks to more than this, or has too many parts (zip bombs).
MAX_UNPACKED_SIZE = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000

KINDS = {
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
    "pdf": ("application/pdf", ".pdf"),
    "doc": ("application/msword", ".doc"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
}


def sniff(head: bytes, file) -> str | None:
    """The file's kind from its content (magic numbers, and a DOCX's inner structure),
    never from its name. None if it is none of the accepted kinds."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if _is_docx(file) else None
    return None


def _is_docx(file) -> bool:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            names = {e.filename for e in entries}
            unpacked = sum(e.file_size for e in entries)
            return (
                "[Content_Types].xml" in names
                and "word/document.xml" in names
                and len(entries) <= MAX_ZIP_ENTRIES
                and unpacked <= MAX_UNPACKED_SIZE
            )
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(0)


def check_file(upload) -> str:
    """An evidence file: JPEG, PNG, PDF, DOC or DOCX by content, 1 byte to 10 MB.
    Returns its kind (a key of KINDS)."""
    name = upload.name
    if upload.size == 0:
        raise ValidationError(_("Tệp “%(name)s” rỗng.") % {"name": name}, code="empty")
    if upload.size > MAX_FILE_SIZE:
        raise ValidationError(
            _("Tệp “%(name)s” nặng %(size)s, vượt quá 10 MB.") % {"name": name, "size": filesizeformat(upload.size)},
            code="too_big",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head, upload)
    if kind is None:
        raise ValidationError(
            _("Tệp “%(name)s” không phải ảnh JPEG/PNG, PDF hoặc Word (DOC, DOCX). Hệ thống kiểm tra nội dung tệp, không chỉ phần đuôi tên.")
            % {"name": name},
            code="bad_type",
        )
    return kind


def check_files(uploads: list) -> list[tuple[object, str]]:
    if len(uploads) > MAX_FILES:
        raise ValidationError(
            _("Chỉ được đính kèm tối đa %(max)s tệp; bạn đã chọn %(count)s tệp.") % {"max": MAX_FILES, "count": len(uploads)},
            code="too_many",
        )
    errors, checked = [], []
    for upload in uploads:
        try:
            checked.append((upload, check_file(upload)))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked


_DRIVE_HOSTS = {"drive.google.com", "docs.google.com"}


def check_drive_link(url: str) -> str:
    """A shared Google Drive or Docs address (the seed: "link Google Drive ở trạng thái chia sẻ")."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme != "https" or (parts.hostname or "").lower() not in _DRIVE_HOSTS:
        raise ValidationError(
            _("Đường dẫn phải là địa chỉ Google Drive (https://drive.google.com/… hoặc https://docs.google.com/…)."),
            code="not_drive",
        )
    return url


def check_evidence(*, files: list, drive_link: str) -> None:
    """Evidence is required: files or a shared Drive link."""
    if not files and not drive_link:
        raise ValidationError(
            _("Vui lòng đính kèm tệp minh chứng hoặc dán đường dẫn Google Drive đã chia sẻ."), code="required"
        )
