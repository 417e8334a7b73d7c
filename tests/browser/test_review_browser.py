import io

from django.core.management import call_command
from playwright.sync_api import expect

from initiatives.models import Initiative, Status
from tests.browser.conftest import phone


def test_reviewer_rejects_with_a_reason_and_the_member_sees_it(live_server, page, transactional_db):
    call_command("load_demo", stdout=io.StringIO())
    target = Initiative.objects.get(unit__code="GLA-STANLEY", status=Status.SUBMITTED)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/?next=/review/")
    page.get_by_label("Tên đăng nhập").fill("xetduyet")
    page.get_by_label("Mật khẩu").fill("sangkien-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Xét duyệt sáng kiến")).to_be_visible()

    page.get_by_text("Tìm kiếm và lọc").click()
    page.get_by_label("Trạng thái", exact=True).select_option(Status.SUBMITTED)
    page.get_by_label("Tìm theo tên sáng kiến, người nộp hoặc mã tra cứu").fill("do ga lap rap")
    page.get_by_role("button", name="Lọc").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=target.tracking_code).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(target.title)
    page.get_by_label("Không công nhận", exact=True).check()
    page.get_by_label("Lý do không công nhận").select_option(label="Chưa được cấp có thẩm quyền công nhận")
    page.get_by_label("Ghi chú gửi đoàn viên").fill("Chưa có quyết định của hội đồng sáng kiến.")
    page.get_by_role("button", name="Ghi nhận quyết định").click()
    expect(page.get_by_test_id("status")).to_have_text("Không được công nhận")

    page.get_by_role("button", name="Đăng xuất (xetduyet)").click()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/track/")
    page.get_by_label("Mã tra cứu").fill(target.tracking_code)
    page.get_by_label("Số điện thoại đã dùng khi nộp").fill(target.phone)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_test_id("status")).to_have_text("Không được công nhận")
    expect(page.get_by_text("Chưa được cấp có thẩm quyền công nhận").first).to_be_visible()
    expect(page.get_by_text("Chưa có quyết định của hội đồng sáng kiến.")).to_be_visible()


@phone
def test_a_refused_decision_comes_back_at_the_form_on_a_phone(live_server, page, transactional_db):
    """On a phone the decision form is far down a long page: a refusal (a rejection without
    its reason) must be seen without scrolling back to find it."""
    call_command("load_demo", stdout=io.StringIO())
    target = Initiative.objects.get(unit__code="GLA-STANLEY", status=Status.SUBMITTED)
    page.goto(live_server.url + f"/accounts/login/?next=/review/{target.pk}/")
    page.get_by_label("Tên đăng nhập").fill("xetduyet")
    page.get_by_label("Mật khẩu").fill("sangkien-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_label("Không công nhận", exact=True).check()
    page.get_by_role("button", name="Ghi nhận quyết định").click()
    error = page.get_by_text("Vui lòng chọn lý do không công nhận.")
    expect(error).to_be_in_viewport()
    page.get_by_label("Lý do không công nhận").select_option(label="Trùng lặp")
    page.get_by_role("button", name="Ghi nhận quyết định").click()
    expect(page.get_by_test_id("status")).to_have_text("Không được công nhận")
    expect(page.get_by_text("Đã ghi nhận: Không được công nhận.")).to_be_in_viewport()  # the message, at the top
