"""Django's own strings in Vietnamese: the admin, the auth validators and the form errors.

Django's Vietnamese catalogues lack many strings of this version (the admin's "Skip to main
content", the calendar's day names, "This password is too short…", "Enter a valid UUID.").
locale/vi/LC_MESSAGES (the portal's own text needs no Vietnamese catalogue: its source is
Vietnamese) supplies them, edited by hand. These tests check that the pages and messages come out Vietnamese, that the catalogue is
complete and compiled, and that a Django upgrade adding strings fails here with the list of what
to translate."""

import html
import json
import re
import unicodedata
from pathlib import Path

import django
import pytest
from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.core.paginator import PageNotAnInteger, Paginator
from django.utils import translation

from tests.portal.po import compiled, describe, parse_po, stale_entries, translations

SUPPLEMENT = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"
DJANGO_DIR = Path(django.__file__).parent
# The Django catalogues the supplement covers (djangojs: only the admin has one, in 5.2).
DJANGO_APPS = ["contrib/admin", "contrib/auth", "contrib/contenttypes", "conf"]
DOMAINS = ["django", "djangojs"]
# Left out on purpose: language names (the portal offers only vi and en, named by itself) and
# the "install worked" welcome page, which a configured project never shows.
SKIPPED_SOURCES = ("conf/global_settings.py", "views/templates/default_urlconf.html")
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|%%|\{[a-z_]*\}")
ADMIN_PAGES = ["/admin/", "/admin/initiatives/initiative/"]
ENGLISH_IN_ADMIN = [
    "Skip to main content",
    "Toggle theme",
    "Toggle navigation",
    "Filter navigation items",
    "Breadcrumbs",
    "Sidebar",
    "Show counts",
    "Hide counts",
    "Model name",
    "Add link",
    "Change or view list link",
    "Select all objects on this page for an action",
    "Select this object for an action",
]
DAYS = {
    "Sunday": "Chủ nhật",
    "Monday": "Thứ hai",
    "Tuesday": "Thứ ba",
    "Wednesday": "Thứ tư",
    "Thursday": "Thứ năm",
    "Friday": "Thứ sáu",
    "Saturday": "Thứ bảy",
}


# ---------------------------------------------------------------- a small .po reader


def read_po(path: Path) -> dict[tuple, dict]:
    """The entries of a .po file but its header, keyed by (msgctxt or None, msgid)."""
    return {(e.get("msgctxt"), e["msgid"]): e for e in parse_po(path) if e["msgid"]}


def is_translated(entry: dict | None) -> bool:
    values = translations(entry) if entry else []
    return bool(values) and all(v.strip() for v in values) and "fuzzy" not in entry["flags"]


def lacking_in_django(domain: str) -> dict[tuple, dict]:
    """Django's English entries of `domain` that its Vietnamese catalogues lack (missing,
    empty or fuzzy), language names and the welcome page left out."""
    lacking = {}
    for app in DJANGO_APPS:
        en_path = DJANGO_DIR / app / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        if not en_path.exists():
            continue
        english = read_po(en_path)
        vi_path = DJANGO_DIR / app / "locale" / "vi" / "LC_MESSAGES" / f"{domain}.po"
        vietnamese = read_po(vi_path) if vi_path.exists() else {}
        for key, entry in english.items():
            if any(source in entry["sources"] for source in SKIPPED_SOURCES):
                continue
            if not is_translated(vietnamese.get(key)):
                lacking.setdefault(key, entry)
    return lacking


def as_po(entry: dict) -> str:
    """An entry as a .po block with an empty translation, to paste and translate."""
    fields = [field for field in ("msgctxt", "msgid", "msgid_plural") if field in entry]
    lines = [f"{field} {json.dumps(entry[field], ensure_ascii=False)}" for field in fields]
    lines.append('msgstr[0] ""' if "msgid_plural" in entry else 'msgstr ""')
    return "\n".join(lines)



# ---------------------------------------------------------------- the pages and messages


@pytest.fixture
def admin_client(client, demo, django_user_model):
    user = django_user_model.objects.get(username="quantri")
    assert user.is_superuser
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_the_admin_chrome_is_vietnamese(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert '<html lang="vi"' in text
    assert "Bỏ qua, tới nội dung chính" in text
    assert "Đổi giao diện (giao diện hiện tại: tự động)" in text
    english = [phrase for phrase in ENGLISH_IN_ADMIN if phrase in text]
    assert not english, f"English on {url}: {english}"


def test_a_changelist_has_its_vietnamese_navigation(admin_client):
    text = html.unescape(admin_client.get("/admin/initiatives/initiative/").content.decode())
    for phrase in ["Ẩn/hiện thanh điều hướng", "Lọc các mục điều hướng", "Đường dẫn điều hướng"]:
        assert phrase in text, phrase


def javascript_catalogue(client) -> dict:
    response = client.get("/admin/jsi18n/")
    assert response.status_code == 200
    match = re.search(r"const newcatalog = (\{.*?\n  \});", response.content.decode(), re.S)
    assert match, "no catalogue in /admin/jsi18n/"
    return json.loads(match.group(1))


def test_the_admin_javascript_catalogue_has_the_vietnamese_day_names(admin_client):
    """The catalogue maps each msgid to its translation, so "Sunday" is there as a key: what
    matters is that it maps to Vietnamese (an untranslated string would be missing, and the
    calendar would show the English msgid)."""
    catalogue = javascript_catalogue(admin_client)
    for english, vietnamese in DAYS.items():
        assert catalogue.get(english) == vietnamese, english
    assert catalogue.get("abbrev. day Sunday\x04Sun") == "CN"
    assert "Sunday" not in catalogue.values()
    assert catalogue.get("Choose all %s") == "Chọn tất cả %s"


def test_the_password_too_short_message_is_vietnamese():
    english = "This password is too short. It must contain at least 8 characters."
    with translation.override("vi"):
        message = MinimumLengthValidator(min_length=8).get_error_message()
        with pytest.raises(ValidationError) as raised:
            MinimumLengthValidator(min_length=8).validate("ngan")
        raised_messages = raised.value.messages
    assert message == "Mật khẩu này quá ngắn. Mật khẩu phải có ít nhất 8 ký tự."
    assert raised_messages == [message] and message != english
    with translation.override("en"):
        assert MinimumLengthValidator(min_length=8).get_error_message() == english


def test_form_errors_from_django_are_vietnamese():
    with translation.override("vi"):
        with pytest.raises(ValidationError) as null:
            forms.CharField().clean("a\x00b")
        with pytest.raises(ValidationError) as uuid:
            forms.UUIDField().clean("không-phải-uuid")
        with pytest.raises(PageNotAnInteger) as page:
            Paginator([1, 2], 1).validate_number("x")
        messages = null.value.messages + uuid.value.messages + [str(page.value)]
    # The null-character message is the portal's own wording (kept from before the supplement).
    assert messages == [
        "Nội dung có ký tự không hợp lệ (ký tự NUL); vui lòng gõ lại.",
        "Nhập một UUID hợp lệ.",
        "Số trang không phải là số nguyên",
    ]


# ---------------------------------------------------------------- the catalogue


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_supplement_is_vietnamese_with_one_plural_form(domain):
    text = (SUPPLEMENT / f"{domain}.po").read_text(encoding="utf-8")
    assert "Language: vi\\n" in text and "Plural-Forms: nplurals=1; plural=0;\\n" in text
    assert "not made by makemessages" in text.lower()


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_entry_is_translated_and_none_fuzzy(domain):
    entries = read_po(SUPPLEMENT / f"{domain}.po").values()
    wrong = [e for e in entries if not is_translated(e)]
    assert not wrong, "untranslated or fuzzy entries:\n" + describe(wrong)
    odd = [e for e in entries if "msgid_plural" in e and set(e) & {"msgstr[1]", "msgstr"}]
    assert not odd, "Vietnamese has one plural form: only msgstr[0]:\n" + describe(odd)


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_the_placeholders_and_are_nfc(domain):
    wrong = [
        entry
        for entry in read_po(SUPPLEMENT / f"{domain}.po").values()
        for value in translations(entry)
        if sorted(PLACEHOLDER.findall(entry["msgid"])) != sorted(PLACEHOLDER.findall(value))
        or value != unicodedata.normalize("NFC", value)
    ]
    assert not wrong, "placeholders differ from the msgid, or not NFC:\n" + describe(wrong)


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_matches_the_po_file(domain):
    """The .mo files are committed: each must be compiled from the current .po
    (msgfmt -c -o DOMAIN.mo DOMAIN.po in locale/vi/LC_MESSAGES)."""
    catalog = compiled(SUPPLEMENT / f"{domain}.mo")
    entries = read_po(SUPPLEMENT / f"{domain}.po")
    stale = stale_entries(entries.values(), catalog, plurals=1)
    messages = {k for k in catalog if k != "" and k != ("", 0)}
    assert not stale and len(messages) == len(entries), (
        f"{domain}.mo is out of date (recompile it):\n" + describe(stale)
    )


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_string_django_lacks_in_vietnamese_is_supplied(domain):
    """Computed from the installed Django: after an upgrade that adds strings this lists them,
    ready to paste into locale/vi/LC_MESSAGES/DOMAIN.po, translate and compile."""
    supplied = read_po(SUPPLEMENT / f"{domain}.po")
    lacking = lacking_in_django(domain)
    missing = [entry for key, entry in lacking.items() if not is_translated(supplied.get(key))]

    assert not missing, (
        f"Django {django.get_version()}'s Vietnamese catalogues lack {len(missing)} string(s) that "
        f"locale/vi/LC_MESSAGES/{domain}.po does not supply either; translate them:\n\n"
        + "\n\n".join(as_po(entry) for entry in missing)
    )


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_supplement_holds_only_what_django_lacks(domain):
    """An entry Django has since translated (or dropped) would silently override or linger:
    after an upgrade, compare Django's wording and remove the entry from the supplement."""
    lacking = lacking_in_django(domain)
    extra = [e for key, e in read_po(SUPPLEMENT / f"{domain}.po").items() if key not in lacking]
    assert not extra, "Django now translates these (or no longer has them):\n" + describe(extra)
