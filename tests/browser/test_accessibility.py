"""axe-core on the pages a member uses, in the states a member sees them, on a desktop window
and on a phone: no violations. Plus what axe cannot judge by itself: the type-ahead's ARIA
state and the page's declared language."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, submit_button

AXE = Axe()

# Each test runs in pytest-playwright's default window (1280×720) and on a 360×740 phone.
viewports = pytest.mark.parametrize(
    "viewport",
    [pytest.param("desktop", id="desktop"), pytest.param("phone", id="phone", marks=pytest.mark.browser_context_args(**PHONE))],
)


def axe_report(violations: list[dict]) -> str:
    """One block per violation: rule id, impact, what it means, where it is."""
    lines = [f"{len(violations)} accessibility violation(s):"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"]:
            lines.append(f"    at {' '.join(str(t) for t in node['target'])}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_no_violations(page: Page) -> None:
    violations = AXE.run(page).response["violations"]
    assert not violations, axe_report(violations)


@viewports
def test_home_page(site, page: Page, viewport):
    page.goto(site.url + "/")
    expect(page.get_by_test_id("target-total")).to_be_visible()
    assert_no_violations(page)


@viewports
def test_empty_submission_form(site, page: Page, viewport):
    page.goto(site.url + "/submit/")
    expect(submit_button(page)).to_be_visible()
    assert_no_violations(page)


@viewports
def test_submission_form_showing_errors(site, page: Page, viewport):
    page.goto(site.url + "/submit/")
    submit_button(page).click()
    expect(page.get_by_role("alert").first).to_contain_text("Chưa nộp được")
    expect(page.get_by_label("Họ và tên")).to_have_attribute("aria-invalid", "true")
    assert_no_violations(page)


@viewports
def test_submission_form_with_type_ahead_results_open(site, page: Page, viewport):
    page.goto(site.url + "/submit/")
    page.get_by_label("Hoặc tìm nhanh công đoàn cơ sở theo tên").press_sequentially("gia lam")
    expect(page.get_by_role("option").first).to_be_visible()
    assert_no_violations(page)


@viewports
def test_track_page(site, page: Page, viewport):
    page.goto(site.url + "/track/")
    expect(page.get_by_role("button", name="Tra cứu", exact=True)).to_be_visible()
    assert_no_violations(page)


@viewports
def test_track_page_after_a_failed_lookup(site, page: Page, viewport):
    page.goto(site.url + "/track/")
    page.get_by_label("Mã tra cứu").fill("K7QM-4XRP-9HTC")
    page.get_by_label("Số điện thoại đã dùng khi nộp").fill("0912 345 678")
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Không tìm thấy sáng kiến")
    assert_no_violations(page)


def test_type_ahead_without_a_match(site, page: Page):
    page.goto(site.url + "/submit/")
    page.get_by_label("Hoặc tìm nhanh công đoàn cơ sở theo tên").press_sequentially("zzzz")
    expect(page.get_by_text("Không tìm thấy đơn vị phù hợp.")).to_be_visible()
    assert_no_violations(page)


def test_search_box_says_collapsed_once_the_list_is_closed(site, page: Page):
    page.goto(site.url + "/submit/")
    search = page.get_by_role("combobox", name="Hoặc tìm nhanh công đoàn cơ sở theo tên")
    search.press_sequentially("dong a")
    expect(search).to_have_attribute("aria-expanded", "true")

    page.keyboard.press("ArrowDown")  # into the list
    page.keyboard.press("Escape")  # and out again
    expect(page.get_by_role("listbox", name="Kết quả tìm đơn vị")).to_be_hidden()
    expect(search).to_be_focused()
    expect(search).to_have_attribute("aria-expanded", "false")

    search.press_sequentially(" ")
    expect(search).to_have_attribute("aria-expanded", "true")
    page.get_by_role("option", name="CĐ Công ty CP Hãng sơn Đông Á").click()
    expect(page.locator("select[name=unit]")).to_have_value("GLA-SONDONGA")
    expect(search).to_have_attribute("aria-expanded", "false")


@pytest.mark.parametrize(
    "how",
    [
        pytest.param("vi-VN browser", marks=pytest.mark.browser_context_args(locale="vi-VN")),
        # Many Vietnamese phones run in English: the browser's language alone must not switch.
        pytest.param("en-US browser", marks=pytest.mark.browser_context_args(locale="en-US")),
        pytest.param("English chosen in the footer"),
    ],
)
def test_page_declares_the_language_it_is_written_in(site, page: Page, how):
    page.goto(site.url + "/submit/")
    if how == "English chosen in the footer":
        switch = page.get_by_label("Ngôn ngữ")
        if switch.locator("option[value=en]").count() == 0:
            return  # English is not offered: nothing can be mislabelled
        switch.select_option("en")
        with page.expect_navigation():
            page.get_by_role("button", name="Đổi").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    written_in = "vi" if heading == "Nộp sáng kiến" else "en"
    declared = page.evaluate("() => document.documentElement.lang")
    assert declared.split("-")[0] == written_in, f"<html lang={declared!r}> on a page written in {written_in!r}"
