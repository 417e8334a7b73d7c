"""A member submits an initiative from a phone and tracks it: with the script, with the
keyboard only, and with JavaScript turned off."""

import re
import unicodedata

import pytest
from playwright.sync_api import Page, expect

from initiatives.models import Initiative
from initiatives.rules import count_characters
from tests.browser.conftest import (
    PDF_FILE,
    PHONE,
    SUBMITTED,
    fill_initiative,
    phone,
    read_tracking_code,
    submit_button,
    vi_number,
)

PROVINCE = "Tỉnh, thành phố hoặc công đoàn ngành Trung ương"
SUPERIOR = "Công đoàn cấp trên trực tiếp cơ sở"
SEARCH = "Hoặc tìm nhanh công đoàn cơ sở theo tên"


def unit_select(page: Page):
    # By its label; a plain substring match would also find the search box ("…công đoàn cơ sở theo tên").
    return page.get_by_role("combobox", name=re.compile(r"^Công đoàn cơ sở\*?$"))


def counter(page: Page):
    return page.locator("#description-counter")


def expect_count(page: Page, text: str) -> int:
    n = count_characters(text)
    expect(counter(page)).to_have_text(f"{vi_number(n)}/2.000 ký tự")
    return n


def track(page: Page, base_url: str, code: str, phone_number: str, title: str) -> None:
    page.goto(base_url + "/track/")
    page.get_by_label("Mã tra cứu").fill(code)
    page.get_by_label("Số điện thoại đã dùng khi nộp").fill(phone_number)
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_test_id("status")).to_have_text(SUBMITTED)


@phone
def test_member_submits_from_a_phone_and_tracks_the_initiative(site, member, page: Page):
    page.goto(site.url + "/submit/?unit=GLA-STANLEY")
    assert page.viewport_size == {"width": 360, "height": 740}

    # The QR code's link preselects the workplace, all three levels.
    expect(page.get_by_label(PROVINCE)).to_have_value("T01")
    expect(page.get_by_label(SUPERIOR)).to_have_value("GLA")
    expect(unit_select(page)).to_have_value("GLA-STANLEY")
    expect(unit_select(page).locator("option:checked")).to_have_text("CĐ Công ty TNHH điện Stanley Việt Nam")

    fill_initiative(page, member)
    description = page.get_by_label("Mô tả sáng kiến")

    # The live counter counts as the server does: typed line breaks (LF) …
    typed = "Dòng thứ nhất\nDòng thứ hai"
    description.fill("")
    description.press_sequentially(typed)
    expect_count(page, typed)
    # … a pasted CRLF is one character, like LF …
    description.fill(member["description"])
    expect_count(page, member["description"])
    # … decomposed (NFD) text, as Word may paste it, counts as its composed (NFC) form …
    nfd = unicodedata.normalize("NFD", "Sáng kiến")
    assert (len(nfd), count_characters(nfd)) == (12, 9)
    description.fill(nfd)
    expect(counter(page)).to_have_text("9/2.000 ký tự")
    # … and thousands are grouped the Vietnamese way.
    description.fill("a" * 1500)
    expect(counter(page)).to_have_text("1.500/2.000 ký tự")

    description.fill(member["description"])
    shown = expect_count(page, member["description"])
    submit_button(page).click()

    code = read_tracking_code(page)
    expect(page.get_by_text(member["title"])).to_be_visible()
    # The server kept exactly as many characters as the counter showed.
    initiative = Initiative.objects.get(tracking_code=code)
    assert len(initiative.description) == shown
    assert initiative.description == "Hiện trạng: thao tác chậm.\nGiải pháp: đồ gá mới.\nKết quả: giảm 15% thời gian."
    assert initiative.unit.code == "GLA-STANLEY"
    assert initiative.attachments.count() == 1

    track(page, site.url, code, member["phone"], member["title"])
    expect(page.get_by_text(PDF_FILE["name"])).to_be_visible()


@phone
def test_counter_flags_a_description_over_the_limit(site, page: Page):
    page.goto(site.url + "/submit/")
    expect(counter(page)).to_have_text("0/2.000 ký tự")
    page.get_by_label("Mô tả sáng kiến").fill("ạ" * 2001)
    expect(counter(page)).to_have_text("2.001/2.000 ký tự")
    expect(counter(page)).to_contain_class("text-danger")


def test_a_refused_form_puts_the_focus_on_its_error_summary(site, page: Page):
    """Keyboard and screen-reader users start at the list of what to correct, not at the top
    of the page hunting for it."""
    page.goto(site.url + "/submit/?unit=GLA-STANLEY")
    submit_button(page).click()
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.locator("#form-errors")).to_contain_text("vui lòng sửa các mục được đánh dấu")


@phone
def test_type_ahead_search_fills_the_three_workplace_lists(site, page: Page):
    page.goto(site.url + "/submit/")
    expect(page.get_by_label(PROVINCE)).to_have_value("")

    page.get_by_label(SEARCH).press_sequentially("dong a")
    page.get_by_role("option", name="CĐ Công ty CP Hãng sơn Đông Á").click()

    expect(page.get_by_label(PROVINCE)).to_have_value("T01")
    expect(page.get_by_label(SUPERIOR)).to_have_value("GLA")
    expect(unit_select(page)).to_have_value("GLA-SONDONGA")
    expect(page.get_by_role("listbox", name="Kết quả tìm đơn vị")).to_be_hidden()


def _tab_stops_in_form(page: Page) -> list[str]:
    """Every control of the form a keyboard user should reach, in document order: one stop per
    radio group (the checked radio, else the first); only what is not shown or is disabled is left out,
    so a control wrongly taken out of the tab order (tabindex="-1") makes the test fail."""
    return page.evaluate(
        """() => {
        const form = document.getElementById("submit-form");
        const seen = new Set(), stops = [];
        for (const el of form.querySelectorAll("input, select, textarea, button, summary, a[href]")) {
            if (el.type === "hidden" || el.disabled) continue;
            if (el.closest('[aria-hidden="true"]')) continue;  // the form's default button, for Enter
            if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
            if (el.type === "radio") {
                if (seen.has(el.name)) continue;
                seen.add(el.name);
                const checked = form.querySelector(`input[type=radio][name="${el.name}"]:checked`);
                stops.push((checked || el).id);
                continue;
            }
            stops.push(el.id || `${el.tagName.toLowerCase()}:${el.textContent.trim()}`);
        }
        return stops;
    }"""
    )


FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || !document.getElementById("submit-form").contains(el)) return null;
    return el.id || `${el.tagName.toLowerCase()}:${el.textContent.trim()}`;
}"""


def test_keyboard_only_member_reaches_every_control_and_submits(site, member, page: Page):
    """Tab from the top of the page through the whole form, typing as each control is reached;
    the submit button is then activated with Enter."""
    page.goto(site.url + "/submit/?unit=GLA-STANLEY")
    expected = _tab_stops_in_form(page)
    assert expected[0] == "id_full_name" and expected[-1] == "button:Nộp sáng kiến", expected

    typing = {
        "id_full_name": member["full_name"],
        "id_phone": member["phone"],
        "id_id_number": member["id_number"],
        "id_title": member["title"],
        "id_description": "Dòng một\nDòng hai",
        "id_decision_number": member["decision_number"],
        "id_decision_date": member["decision_date"],
        "id_applied_on": member["applied_on"],
        "id_drive_link": member["drive_link"],  # a file cannot be picked without a dialog
    }
    keys = {
        "id_sector_0": ["Space"],  # Doanh nghiệp: the group's first radio
        "id_target_group_0": ["ArrowDown"],  # the second: công nhân lao động…
        "id_recognised_by_0": ["Space"],  # Hội đồng sáng kiến
        "id_solution_type": ["ArrowDown"],  # the first real option: Giải pháp kỹ thuật
        "id_not_ip_protected": ["Space"],
        "id_consent": ["Space"],
    }

    reached = []
    for _ in range(200):  # far more than the page's tab stops
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            if reached:  # left the form past its last control
                break
            continue  # still in the header: skip link, navigation
        reached.append(focused)
        if focused in typing:
            page.keyboard.type(typing[focused])
        for key in keys.get(focused, []):
            page.keyboard.press(key)
        if focused == expected[-1]:
            break

    assert reached == expected, f"Tab order differs from document order:\n reached  {reached}\n expected {expected}"
    expect(page.get_by_label("Doanh nghiệp", exact=True)).to_be_checked()
    expect(page.get_by_label("Công nhân lao động trong các doanh nghiệp sản xuất, kinh doanh")).to_be_checked()
    expect(page.get_by_label("Loại giải pháp")).to_have_value("technical")
    expect(page.get_by_label("Tôi đồng ý cho Ban Tổ chức xử lý dữ liệu cá nhân")).to_be_checked()

    expect(submit_button(page)).to_be_focused()
    page.keyboard.press("Enter")
    code = read_tracking_code(page)
    initiative = Initiative.objects.get(tracking_code=code)
    assert initiative.description == "Dòng một\nDòng hai"
    assert initiative.drive_link == member["drive_link"]


@pytest.mark.browser_context_args(**PHONE, java_script_enabled=False)
def test_without_javascript_member_chooses_workplace_step_by_step_and_submits(site, member, page: Page):
    page.goto(site.url + "/submit/")
    # Without the script the "Chọn" buttons are there, and nothing fills the lists by itself.
    expect(page.get_by_role("button", name="Chọn tỉnh, thành phố")).to_be_visible()
    expect(page.get_by_label(SUPERIOR).locator("option")).to_have_count(1)
    page.get_by_label("Họ và tên").fill(member["full_name"])

    page.get_by_label(PROVINCE).select_option("T01")
    page.get_by_role("button", name="Chọn tỉnh, thành phố").click()
    expect(page.get_by_label(PROVINCE)).to_have_value("T01")
    expect(page.get_by_label("Họ và tên")).to_have_value(member["full_name"])  # kept across the step
    expect(page.get_by_role("alert")).to_have_count(0)  # a step is not a failed submission
    # The page comes back at the workplace section, not at the top of a long form.
    assert page.url.endswith("#workplace")
    assert page.evaluate("window.scrollY") > 0

    page.get_by_label(SUPERIOR).select_option(label="LĐLĐ huyện Gia Lâm")
    page.get_by_role("button", name="Chọn công đoàn cấp trên").click()
    expect(page.get_by_label(SUPERIOR)).to_have_value("GLA")

    unit_select(page).select_option(label="CĐ Công ty TNHH điện Stanley Việt Nam")
    fill_initiative(page, member)
    submit_button(page).click()

    code = read_tracking_code(page)
    assert Initiative.objects.get(tracking_code=code).unit.code == "GLA-STANLEY"
    track(page, site.url, code, member["phone"], member["title"])


@pytest.mark.parametrize(
    "javascript",
    [
        pytest.param(True, id="js", marks=phone),
        pytest.param(False, id="no-js", marks=pytest.mark.browser_context_args(**PHONE, java_script_enabled=False)),
    ],
)
def test_enter_in_a_text_field_submits_the_initiative(site, member, javascript, page: Page):
    """The phone keyboard's Go/Enter key in the last field sends the form (implicit submission)."""
    page.goto(site.url + "/submit/?unit=GLA-STANLEY")
    assert page.evaluate("() => typeof window.csk") == ("object" if javascript else "undefined")  # script ran or not
    fill_initiative(page, member)
    page.get_by_label("Ngày đưa vào áp dụng").press("Enter")
    read_tracking_code(page)
