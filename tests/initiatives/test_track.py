import pytest

from initiatives.models import Initiative, Status
from initiatives.workflow import initiative_move
from tests.initiatives.factories import PDF, submission, upload


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def submitted(client, demo):
    client.post("/submit/", submission())
    client.session.flush()
    return Initiative.objects.get(is_sample=False)


def lookup(client, code, phone):
    return client.post("/track/", {"code": code, "phone": phone}, follow=True)


def test_code_and_phone_show_the_status_and_history(client, submitted):
    page = lookup(client, submitted.tracking_code.lower().replace("-", " "), "+84 912 345 678").content.decode()
    assert submitted.title in page
    assert "Đã nộp, chờ xét duyệt" in page
    assert submitted.id_number not in page  # the ID number is not needed here


def test_a_wrong_phone_and_a_wrong_code_get_the_same_answer(client, submitted):
    wrong_phone = lookup(client, submitted.tracking_code, "0987654321").content.decode()
    wrong_code = lookup(client, "AAAA-BBBB-CCCC", "0912345678").content.decode()
    message = "Không tìm thấy sáng kiến với mã tra cứu và số điện thoại này"
    assert message in wrong_phone and message in wrong_code
    assert wrong_phone.count(message) == 1  # said once, not again in a second box
    assert submitted.title not in wrong_phone


def test_a_rejection_for_the_window_names_no_other_campaigns_dates(client, submitted):
    """The seed's reason named its own window (2021–2022): a later campaign's member must not
    read dates that contradict the home page."""
    initiative_move(initiative=submitted, to=Status.REJECTED, reason="outside_window")
    page = lookup(client, submitted.tracking_code, "0912345678").content.decode()
    assert "ngoài thời gian quy định của Chương trình" in page and "2021" not in page


def test_a_malformed_code_is_explained(client, demo):
    assert "Mã tra cứu gồm 12 ký tự" in lookup(client, "123", "0912345678").content.decode()


def test_the_member_sees_the_reviewers_decision_and_note(client, submitted):
    initiative_move(initiative=submitted, to=Status.REJECTED, reason="not_recognised", note="Thiếu quyết định công nhận <b>")
    page = lookup(client, submitted.tracking_code, "0912345678").content.decode()
    assert "Không được công nhận" in page
    assert "Chưa được cấp có thẩm quyền công nhận" in page
    assert "Thiếu quyết định công nhận &lt;b&gt;" in page


def test_a_returned_initiative_is_edited_and_resubmitted_from_track(client, submitted):
    initiative_move(initiative=submitted, to=Status.RETURNED, note="Bổ sung quyết định công nhận")
    page = lookup(client, submitted.tracking_code, "0912345678").content.decode()
    assert "Bổ sung và gửi lại" in page and "Bổ sung quyết định công nhận" in page
    form = client.get("/track/edit/")
    assert form.status_code == 200
    html = form.content.decode()
    assert "Người xét duyệt đề nghị bổ sung:" in html and "Bổ sung quyết định công nhận" in html
    assert "bao-cao.pdf" in html  # the file already sent, kept
    assert submitted.benefit_value == 5_000_000 and 'value="5.000.000"' in html  # as typed, not 5000000
    data = {k: v for k, v in submission(title="Cải tiến đồ gá lắp ráp (bổ sung)").items() if k not in ("phone", "id_number")}
    data["files"] = [upload("quyet-dinh.pdf", PDF)]
    response = client.post("/track/edit/", data, follow=True)
    assert "Đã gửi lại sáng kiến để xét duyệt" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.RESUBMITTED
    assert submitted.title.endswith("(bổ sung)")
    assert submitted.attachments.count() == 2
    assert [h.to_status for h in submitted.history.all()] == [Status.SUBMITTED, Status.RETURNED, Status.RESUBMITTED]


def test_editing_is_only_for_returned_initiatives(client, submitted):
    lookup(client, submitted.tracking_code, "0912345678")
    response = client.get("/track/edit/", follow=True)
    assert "hiện không cần bổ sung" in response.content.decode()


def test_without_a_lookup_there_is_nothing_to_see(client, demo):
    assert client.get("/track/result/")["Location"] == "/track/"
    assert client.get("/track/edit/")["Location"] == "/track/"
