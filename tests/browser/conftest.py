"""Shared set-up for the browser tests: the demo data on a live server, a phone-sized context,
and a helper that fills the submission form the way a member does, by visible labels."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

# A phone: 360 × 740 CSS pixels, touch, mobile viewport meta honoured. Tests that take `page`
# under this marker get such a context (pytest-playwright's `browser_context_args` marker).
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
phone = pytest.mark.browser_context_args(**PHONE)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF_FILE = {"name": "quyet-dinh-cong-nhan.pdf", "mimeType": "application/pdf", "buffer": PDF}

TRACKING_CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
SUBMITTED = "Đã nộp, chờ xét duyệt"


def vi_number(n: int) -> str:
    """1234 → "1.234", as the page writes numbers."""
    return f"{n:,}".replace(",", ".")


@pytest.fixture
def site(live_server, transactional_db, settings, tmp_path):
    """The live server with the demo data (`make run`'s), uploads kept in a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load_demo", stdout=io.StringIO())
    return live_server


@pytest.fixture
def member(site):
    """What a member types: the valid submission of tests/initiatives/factories.py, as typed
    into the browser (labels rather than values, a description with both kinds of line break)."""
    from tests.initiatives.factories import submission

    valid = submission()
    return {
        **{k: valid[k] for k in ("full_name", "phone", "id_number", "decision_number", "decision_date", "applied_on")},
        "title": "Cải tiến đồ gá lắp ráp công tắc",
        "solution_type": "Giải pháp kỹ thuật",
        "description": "Hiện trạng: thao tác chậm.\r\nGiải pháp: đồ gá mới.\nKết quả: giảm 15% thời gian.",
        "drive_link": "https://drive.google.com/file/d/abc123/view",
    }


def fill_initiative(page: Page, data: dict, *, attach_pdf: bool = True) -> None:
    """Every required field except the workplace, by its visible label."""
    page.get_by_label("Họ và tên").fill(data["full_name"])
    page.get_by_label("Số điện thoại").fill(data["phone"])
    page.get_by_label("CMND/Căn cước công dân").fill(data["id_number"])
    page.get_by_label("Doanh nghiệp", exact=True).check()
    page.get_by_label("Công nhân lao động trong các doanh nghiệp sản xuất, kinh doanh").check()
    page.get_by_label("Tên sáng kiến").fill(data["title"])
    page.get_by_label("Loại giải pháp").select_option(label=data["solution_type"])
    page.get_by_label("Mô tả sáng kiến").fill(data["description"])
    page.get_by_label("Hội đồng sáng kiến").check()
    page.get_by_label("Số quyết định (văn bản) công nhận").fill(data["decision_number"])
    page.get_by_label("Ngày quyết định công nhận").fill(data["decision_date"])
    page.get_by_label("Ngày đưa vào áp dụng").fill(data["applied_on"])
    if attach_pdf:
        page.get_by_label("Tệp minh chứng").set_input_files(PDF_FILE)
    page.get_by_label("Tôi cam đoan sáng kiến không thuộc diện").check()
    page.get_by_label("Tôi đồng ý cho Ban Tổ chức xử lý dữ liệu cá nhân").check()


def submit_button(page: Page):
    return page.get_by_role("button", name="Nộp sáng kiến", exact=True)


def read_tracking_code(page: Page) -> str:
    """The receipt's tracking code, once the receipt is shown."""
    expect(page.get_by_role("heading", name="Đã nộp sáng kiến")).to_be_visible()
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    assert TRACKING_CODE.match(code), f"not a tracking code: {code!r}"
    return code
