"""The English catalogue (locale/en/LC_MESSAGES): choosing English in the footer gives English
pages, not choosing keeps them Vietnamese, and the catalogue has no untranslated, fuzzy or
stale entry, so a new string cannot reach the English pages in Vietnamese unnoticed."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.portal.po import compiled, describe, parse_po, stale_entries, translations

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"

# The four public pages: (url, their English h1 and some other English text, the Vietnamese originals).
PAGES = [
    pytest.param(
        "/",
        None,  # the home page's h1 is the campaign's name (data, not translated)
        ["Eligibility", "Phases", "Submit an initiative", "Check results"],
        ["Điều kiện tham gia", "Các giai đoạn", "Nộp sáng kiến", "Tra cứu kết quả"],
        id="home",
    ),
    pytest.param(
        "/submit/",
        "Submit an initiative",
        ["1. Personal information", "2. Workplace", "Personal data processing notice",
         "Personal Data Protection Law No. 91/2025/QH15", "ID card number (CMND/CCCD)"],
        ["Nộp sáng kiến", "Thông tin cá nhân", "Nơi công tác", "Thông báo xử lý dữ liệu cá nhân",
         "CMND/Căn cước công dân"],
        id="submit",
    ),
    pytest.param(
        "/track/",
        "Track an initiative",
        ["Tracking code", "Phone number used when submitting"],
        ["Tra cứu sáng kiến", "Mã tra cứu", "Số điện thoại đã dùng khi nộp"],
        id="track",
    ),
    pytest.param(
        "/accounts/login/",
        "Log in",
        ["For union officers, reviewers and labour federation staff.", "Username"],
        ["Đăng nhập", "Tên đăng nhập", "Dành cho cán bộ công đoàn"],
        id="login",
    ),
]


def choose(client, language: str) -> None:
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def h1(text: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S)
    assert match, "no <h1>"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


# ---------------------------------------------------------------- the pages


@pytest.mark.parametrize("url, heading, english, vietnamese", PAGES)
def test_choosing_english_gives_english_pages(client, demo, url, heading, english, vietnamese):
    choose(client, "en")
    text = page(client, url)
    assert '<html lang="en">' in text
    if heading:
        assert h1(text) == heading
    for phrase in english:
        assert phrase in text, phrase
    for phrase in vietnamese:
        assert phrase not in text, phrase
    # The chrome every page shares.
    assert "Skip to main content" in text and "Initiatives Portal" in text
    assert "Bỏ qua, tới nội dung chính" not in text


@pytest.mark.parametrize("url, heading, english, vietnamese", PAGES)
def test_without_a_choice_pages_stay_vietnamese(client, demo, url, heading, english, vietnamese):
    text = page(client, url)
    assert '<html lang="vi">' in text
    if heading:
        assert h1(text) != heading
    for phrase in vietnamese:
        assert phrase in text, phrase
    assert "Bỏ qua, tới nội dung chính" in text and "Skip to main content" not in text


def test_an_english_browser_alone_does_not_switch(client, demo):
    response = client.get("/submit/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    text = html.unescape(response.content.decode())
    assert '<html lang="vi">' in text and h1(text) == "Nộp sáng kiến"


def test_switching_back_to_vietnamese(client, demo):
    choose(client, "en")
    assert h1(page(client, "/submit/")) == "Submit an initiative"
    choose(client, "vi")
    text = page(client, "/submit/")
    assert '<html lang="vi">' in text and h1(text) == "Nộp sáng kiến"


def test_form_errors_are_english_too(client, demo):
    """Messages from Python code (forms, rules) follow the chosen language, not only templates."""
    choose(client, "en")
    response = client.post("/submit/", {"full_name": "Nguyễn Văn A", "phone": "12345"})
    text = html.unescape(response.content.decode())
    assert "Not submitted yet: please correct the fields marked below." in text
    assert "Invalid mobile number." in text
    assert "Chưa nộp được" not in text and "Số điện thoại di động không hợp lệ" not in text


def test_a_failed_lookup_says_so_in_english(client, demo):
    choose(client, "en")
    response = client.post("/track/", {"code": "K7QM-4XRP-9HTC", "phone": "0912 345 678"})
    text = html.unescape(response.content.decode())
    assert "No initiative was found with this tracking code and phone number." in text
    assert "Không tìm thấy sáng kiến" not in text


# ---------------------------------------------------------------- the catalogue


CATALOGUE = parse_po(LOCALE / "django.po")
MESSAGES = [e for e in CATALOGUE if e["msgid"]]  # without the header
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|%%")


def test_the_catalogue_is_english_with_plural_forms():
    header = next(e for e in CATALOGUE if not e["msgid"])
    assert "Language: en\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert len(MESSAGES) > 400


def test_no_entry_is_fuzzy():
    fuzzy = [e for e in CATALOGUE if "fuzzy" in e["flags"]]
    assert not fuzzy, "fuzzy entries (check the translation, then remove the flag):\n" + describe(fuzzy)


def test_every_entry_is_translated():
    empty = [e for e in MESSAGES if not all(value.strip() for value in translations(e))]
    assert not empty, (
        "untranslated entries (run makemessages -l en, translate, compilemessages):\n" + describe(empty)
    )


def test_plural_entries_have_both_forms():
    for entry in MESSAGES:
        if "msgid_plural" in entry:
            assert entry.get("msgstr[0]") and entry.get("msgstr[1]"), entry["msgid"]


def test_translations_keep_the_placeholders_and_edge_white_space():
    wrong = []
    for entry in MESSAGES:
        for value in translations(entry):
            if sorted(PLACEHOLDER.findall(entry["msgid"])) != sorted(PLACEHOLDER.findall(value)):
                wrong.append(entry)
            elif (value[: len(value) - len(value.lstrip())], value[len(value.rstrip()):]) != (
                entry["msgid"][: len(entry["msgid"]) - len(entry["msgid"].lstrip())],
                entry["msgid"][len(entry["msgid"].rstrip()):],
            ):
                wrong.append(entry)
    assert not wrong, "placeholders or leading/trailing white space differ from the msgid:\n" + describe(wrong)


def test_the_counter_template_keeps_its_tokens():
    """static/js/submit.js replaces the first "N" and then "LIMIT" in this template."""
    entry = next(e for e in MESSAGES if e["msgid"] == "N/LIMIT ký tự")
    assert entry["msgstr"].index("N") == entry["msgstr"].index("N/LIMIT")


def test_the_compiled_catalogue_matches_the_po_file():
    """django.mo is committed (a fresh machine may lack gettext): it must be compiled from the
    current django.po."""
    stale = stale_entries(MESSAGES, compiled(LOCALE / "django.mo"), plurals=2)
    assert not stale, "django.mo is out of date (run compilemessages -l en):\n" + describe(stale)


# ---------------------------------------------------------------- Excel allocation tables with English chosen



def test_the_vietnamese_allocation_table_previews_the_same_with_english_chosen(client, users, tmp_path):
    from quotas.models import Campaign
    from tests.quotas.excel_helpers import write_sheet

    client.force_login(users["district"])
    choose(client, "en")
    campaign = Campaign.objects.get(is_open=True)
    with open(write_sheet(tmp_path / "phan-bo.xlsx"), "rb") as f:
        text = page_post(client, f"/admin/quotas/campaign/{campaign.pk}/import-allocations/", {"file": f, "unit": "GLA"})
    assert "Preview" in text and 'data-testid="import-errors"' not in text


def test_an_allocation_table_downloaded_in_english_uploads_again(client, users, tmp_path):
    from quotas.models import Campaign

    client.force_login(users["admin"])
    choose(client, "en")
    campaign = Campaign.objects.get(is_open=True)
    download = client.get(f"/admin/quotas/campaign/{campaign.pk}/allocations.xlsx?unit=GLA")
    assert download.status_code == 200
    path = tmp_path / "allocations.xlsx"
    path.write_bytes(download.content)
    with open(path, "rb") as f:
        text = page_post(client, f"/admin/quotas/campaign/{campaign.pk}/import-allocations/", {"file": f, "unit": "GLA"})
    assert 'data-testid="import-errors"' not in text
    assert "The table matches the current data; nothing changes." in text


def page_post(client, url: str, data: dict) -> str:
    response = client.post(url, data)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())
