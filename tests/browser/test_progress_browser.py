import io

import openpyxl
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import phone


def test_staff_filters_lagging_units_and_downloads_excel(live_server, page, transactional_db, tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/?next=/progress/")
    page.get_by_label("Tên đăng nhập").fill("ldld")
    page.get_by_label("Mật khẩu").fill("sangkien-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("LĐLĐ huyện Gia Lâm")
    totals = page.get_by_test_id("totals")
    expect(totals).to_contain_text("5.342")
    expect(totals).to_contain_text("2.771")
    # 282 unions, a hundred a page; the totals are the whole district's on every page.
    unit_rows = page.locator(".progress-table tbody tr:not(.table-group)")
    assert unit_rows.count() == 100
    expect(page.get_by_test_id("table-page")).to_have_text("Đơn vị 1–100 trong 282")
    page.get_by_role("link", name="Trang sau ›").click()
    expect(page.get_by_test_id("table-page")).to_have_text("Đơn vị 101–200 trong 282")
    expect(totals).to_contain_text("5.342")
    page.get_by_role("link", name="Trang sau ›").click()
    assert unit_rows.count() == 82

    page.get_by_label("Chỉ đơn vị chậm tiến độ").check()
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_label("Chỉ đơn vị chậm tiến độ")).to_be_checked()
    lagging = int(page.get_by_test_id("lagging-count").inner_text().replace(".", ""))
    assert 0 < lagging < 282  # the filter filters: units a whole initiative behind, not all
    assert unit_rows.count() == min(lagging, 100)  # the filter starts again at page 1
    if lagging > 100:
        expect(page.get_by_test_id("table-page")).to_have_text(f"Đơn vị 1–100 trong {lagging}")

    with page.expect_download() as info:
        page.get_by_role("link", name="Tải Excel").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path)
    text = "\n".join(
        str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None
    )
    assert "LĐLĐ huyện Gia Lâm" in text and "5342" in text and "Tổng cộng" in text


@phone
def test_the_chart_stays_readable_on_a_phone(live_server, page, transactional_db):
    """On a 360 px phone the chart keeps a readable size and scrolls in its own box; the page
    itself does not scroll sideways."""
    call_command("load_demo", stdout=io.StringIO())
    page.goto(live_server.url + "/accounts/login/?next=/progress/")
    page.get_by_label("Tên đăng nhập").fill("ldld")
    page.get_by_label("Mật khẩu").fill("sangkien-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    chart = page.locator("svg.progress-chart")
    expect(chart).to_be_attached()
    label = chart.locator("text").first.bounding_box()
    assert label["height"] >= 9, f"chart labels {label['height']:.1f} px tall"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
