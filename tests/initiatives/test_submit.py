import re
import time
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import connection  # noqa: F401 - read by the skipif condition
from django.utils import timezone

from initiatives.models import Attachment, Initiative, Status, StatusChange
from quotas.models import Campaign, Unit
from tests.initiatives.factories import PDF, submission, upload


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def new_initiatives():
    return Initiative.objects.filter(is_sample=False)


def test_the_form_follows_the_seed_order_and_words(client, demo):
    html = client.get("/submit/").content.decode()
    order = ["Họ và tên", "Số điện thoại", "CMND/Căn cước công dân", "Doanh nghiệp", "Khối cơ quan",
             "Công đoàn cơ sở", "Cán bộ công đoàn", "Tên sáng kiến", "Mô tả sáng kiến", "0/2.000 ký tự",
             "Ngày đưa vào áp dụng", "Google Drive", "sở hữu trí tuệ", "91/2025/QH15"]
    positions = [html.index(word) for word in order]
    assert positions == sorted(positions)
    assert "CMND/CCCD" in html and "giấy tờ tùy thân" in html  # no photo of an ID card as evidence
    consent = re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
    assert "checked" not in consent


def test_unit_in_the_address_preselects_the_workplace(client, demo):
    html = client.get("/submit/?unit=GLA-LIXIL").content.decode()
    for code in ("T01", "GLA", "GLA-LIXIL"):
        assert re.search(rf'<option value="{code}" selected>', html), code


def test_the_blank_form_is_rendered_once_for_everyone_a_filled_one_each_time(client, demo):
    from django.conf import settings
    from django.test import Client

    def fields(response):
        html = response.content.decode()
        return html[html.index('<fieldset class="form-section">'):html.index('class="btn btn-danger btn-lg')]

    def token(response):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)

    partial = "initiatives/_submit_fields.html"
    first = client.get("/submit/")
    assert partial in [t.name for t in first.templates]
    other = Client().get("/submit/")  # another member: the kept fields, a token of their own
    assert partial not in [t.name for t in other.templates]
    assert fields(other) == fields(first) and token(other) != token(first)
    assert 'name="full_name"' in fields(other) and 'data-limit="2000"' in fields(other)
    english = Client()  # another language: fields of its own
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert partial in [t.name for t in english.get("/submit/").templates]

    # A preselected workplace, and a form sent back with errors, are rendered for their visitor.
    preselected = client.get("/submit/?unit=GLA-LIXIL")
    assert partial in [t.name for t in preselected.templates]
    assert re.search(r'<option value="GLA-LIXIL" selected>', preselected.content.decode())
    sent = client.post("/submit/", submission(title="", full_name="Trần Thị Bình"))
    assert partial in [t.name for t in sent.templates]
    html = sent.content.decode()
    assert 'value="Trần Thị Bình"' in html and "Trường này là bắt buộc." in html


def test_a_valid_submission_is_stored_with_its_file_and_a_code(client, demo, media):
    response = client.post("/submit/", submission())
    assert response.status_code == 302 and response["Location"] == "/submit/done/"
    initiative = new_initiatives().get()
    assert initiative.status == Status.SUBMITTED
    assert initiative.phone == "0912345678"
    assert initiative.benefit_value == 5_000_000
    assert initiative.phase.number == 1
    assert initiative.entered_by is None
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", initiative.tracking_code)
    attachment = initiative.attachments.get()
    assert attachment.original_name == "bao-cao.pdf" and attachment.content_type == "application/pdf"
    assert "bao-cao" not in attachment.file.name  # the stored name is the app's own
    assert default_storage.exists(attachment.file.name)
    assert initiative.history.get().to_status == Status.SUBMITTED
    done = client.get("/submit/done/").content.decode()
    assert initiative.tracking_code in done


def test_a_drive_link_alone_is_enough_evidence(client, demo):
    client.post("/submit/", submission(files=[], drive_link="https://drive.google.com/drive/folders/x"))
    assert new_initiatives().get().drive_link.startswith("https://drive.google.com/")


def test_an_error_keeps_what_was_typed_stores_nothing_and_says_files_must_be_chosen_again(client, demo, media):
    data = submission(description="x" * 2001, title="Tiêu đề <giữ nguyên>")
    response = client.post("/submit/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "vượt quá giới hạn 2.000 ký tự" in html
    assert "2.001/2.000 ký tự" in html
    assert 'value="Tiêu đề &lt;giữ nguyên&gt;"' in html
    assert 'value="0912 345 678"' in html
    assert "chọn lại tệp" in html
    assert not new_initiatives().exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


def test_served_under_a_path_prefix_the_submission_goes_on_to_the_receipt_under_it(client, demo):
    from django.urls import get_script_prefix, set_script_prefix

    assert client.post("/submit/", submission())["Location"] == "/submit/done/"
    before = get_script_prefix()
    set_script_prefix("/sang-kien/")  # what the WSGI handler sets from SCRIPT_NAME (the test client does not)
    try:
        response = client.post("/submit/", submission(phone="0912 345 679"))
    finally:
        set_script_prefix(before)
    assert response.status_code == 302 and response["Location"] == "/sang-kien/submit/done/"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("phone", "0212345678", "Số điện thoại di động không hợp lệ"),
        ("id_number", "12345678901", "9 chữ số"),
        ("applied_on", "31/08/2000", "Ngày đưa vào áp dụng phải trong khoảng"),
        ("decision_date", "31/02/2022", "Ngày không hợp lệ"),
        ("unit", "GLA", "Vui lòng chọn công đoàn cơ sở"),
        ("unit", "NO-SUCH", "Vui lòng chọn công đoàn cơ sở"),
        ("drive_link", "https://example.com/x", "Google Drive"),
        ("consent", "", "đồng ý"),
        ("not_ip_protected", "", "sở hữu trí tuệ"),
    ],
)
def test_each_rule_answers_in_vietnamese_next_to_its_field(client, demo, field, value, message):
    response = client.post("/submit/", submission(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not new_initiatives().exists()


def _past_the_models_limits():
    """For each model field the form fills: a value outside its choices, or one character
    longer than its column."""
    from initiatives.forms import INITIATIVE_FIELDS

    for name in INITIATIVE_FIELDS:
        field = Initiative._meta.get_field(name)
        if field.choices:
            yield name, "khong-co-trong-danh-sach"
        elif field.max_length:
            n = field.max_length + 1
            yield name, {
                "email": "a" * (n - 6) + "@ab.vn",
                "drive_link": "https://drive.google.com/file/d/" + "a" * n,
                "phone": "09" + "1" * (n - 2),
                "id_number": "0" + "1" * (n - 1),
            }.get(name, "x" * n)


@pytest.mark.parametrize("field, value", list(_past_the_models_limits()))
def test_the_form_holds_every_limit_of_the_model_so_the_database_never_refuses(client, demo, field, value):
    """The submission form skips ModelForm's model round (initiatives/forms.py): what the model
    would refuse, the form must refuse itself, next to the field, storing nothing."""
    response = client.post("/submit/", submission(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not new_initiatives().exists()


def _lengthened_by_normalising():
    """For each text column the form normalises: a value within the field's limit as typed
    that NFC makes longer than the column (U+0958 becomes two code points)."""
    for name in ["full_name", "workplace", "title", "decision_number"]:
        limit = Initiative._meta.get_field(name).max_length
        yield name, "\u0958" * limit


@pytest.mark.parametrize("field, value", list(_lengthened_by_normalising()))
def test_a_value_that_normalising_lengthens_past_its_column_is_refused(client, demo, field, value):
    import unicodedata

    assert len(unicodedata.normalize("NFC", value)) > len(value)  # the premise
    response = client.post("/submit/", submission(**{field: value}))
    assert response.status_code == 200
    assert "tối đa" in str(response.context["form"].errors[field])
    assert value in response.content.decode()  # what was typed is kept
    assert not new_initiatives().exists()


def test_a_malformed_email_is_explained_with_an_example(client, demo):
    response = client.post("/submit/", submission(email="nguyenvana@gmail"))
    html = response.content.decode()
    assert "Địa chỉ thư điện tử không hợp lệ" in html and 'value="nguyenvana@gmail"' in html
    assert not new_initiatives().exists()


def test_files_or_a_link_are_required(client, demo):
    response = client.post("/submit/", submission(files=[]))
    assert "Vui lòng đính kèm tệp minh chứng" in response.content.decode()
    assert not new_initiatives().exists()


def test_a_text_file_renamed_pdf_is_refused(client, demo, media):
    response = client.post("/submit/", submission(files=[upload("bao-cao.pdf", b"hello, not a pdf")]))
    assert "không phải ảnh JPEG/PNG, PDF hoặc Word" in response.content.decode()
    assert not new_initiatives().exists() and stored_files(media) == []


def test_six_files_are_refused(client, demo):
    response = client.post("/submit/", submission(files=[upload(f"{i}.pdf", PDF) for i in range(6)]))
    assert "tối đa 5 tệp" in response.content.decode()


def test_a_failing_file_save_leaves_no_row_and_no_file(client, demo, media):
    from django.core.files.storage import FileSystemStorage

    files = [upload("1.pdf", PDF), upload("2.pdf", PDF)]
    real_save = FileSystemStorage._save
    calls = []

    def fail_on_second(self, *args, **kwargs):  # the disk fills up between the two files
        calls.append(self)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(self, *args, **kwargs)

    with mock.patch.object(FileSystemStorage, "_save", fail_on_second):
        response = client.post("/submit/", submission(files=files, title="Giữ nguyên tiêu đề"))
    assert response.status_code == 503
    html = response.content.decode()
    assert "chưa lưu được tệp minh chứng" in html and 'value="Giữ nguyên tiêu đề"' in html
    assert not new_initiatives().exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_closed_campaign_takes_no_submission(client, demo):
    data = submission()
    Campaign.objects.update(is_open=False)
    response = client.get("/submit/")
    assert "không nhận sáng kiến" in response.content.decode()
    client.post("/submit/", data)
    assert not new_initiatives().exists()


def test_choosing_a_province_without_javascript_keeps_the_form(client, demo):
    data = submission(superior="", unit="", _refine="province")
    response = client.post("/submit/", data)
    html = response.content.decode()
    assert response.status_code == 200 and not response.context["form"].errors
    assert '<option value="GLA">LĐLĐ huyện Gia Lâm</option>' in html
    assert 'value="Nguyễn Văn An"' in html
    assert not new_initiatives().exists()


def test_searching_without_javascript_lists_matching_units(client, demo):
    html = client.post("/submit/", submission(unit="", unit_query="dong a", _refine="find")).content.decode()
    assert "CĐ Công ty CP Hãng sơn Đông Á" in html


@pytest.mark.parametrize("query, expected", [("gia lam", "Gia Lâm"), ("dong a", "Đông Á"), ("STANLEY", "Stanley"), ("đông á", "Đông Á")])
def test_type_ahead_ignores_diacritics_and_case(client, demo, query, expected):
    results = client.get("/submit/units/", {"q": query}).json()["results"]
    assert results and all(expected.lower() in r["name"].lower() for r in results)
    assert all(r["province"] == "T01" and r["superior"] == "GLA" for r in results)


def test_the_chooser_sends_one_level_at_a_time(client, demo):
    superiors = client.get("/submit/units/", {"parent": "T01"}).json()["results"]
    assert superiors == [{"code": "GLA", "name": "LĐLĐ huyện Gia Lâm"}]
    units = client.get("/submit/units/", {"parent": "GLA"}).json()["results"]
    assert len(units) == 282
    assert client.get("/submit/units/", {"parent": "NOPE"}).status_code == 404
    assert len(client.get("/submit/units/", {"q": "cd"}).json()["results"]) == 20


def test_the_choosers_lists_are_in_vietnamese_order(client, demo):
    """Đ after D, before E, in the lists a member picks from, with or without JavaScript
    (by the folded name the database sorts on, "Đông Anh" came among the D's)."""
    from quotas.models import Block, Level
    from quotas.services import unit_upsert

    district = Unit.objects.get(code="GLA")
    for i, place in enumerate(["Eo Gió", "Đông Anh", "Dương Xá"]):
        unit_upsert(code=f"GLA-VN-{i}", name=f"CĐ Xưởng {place}", level=Level.GRASSROOTS,
                    block=Block.ENTERPRISE, parent=district, member_count=50)
    expected = ["CĐ Xưởng Dương Xá", "CĐ Xưởng Đông Anh", "CĐ Xưởng Eo Gió"]

    def ours(names):
        return [n for n in names if n.startswith("CĐ Xưởng")]

    listed = [u["name"] for u in client.get("/submit/units/", {"parent": "GLA"}).json()["results"]]
    assert ours(listed) == expected
    found = [u["name"] for u in client.get("/submit/units/", {"q": "xuong"}).json()["results"]]
    assert ours(found) == expected
    html = client.post("/submit/", submission(unit="", province="T01", superior="GLA", _refine="superior")).content.decode()
    options = re.findall(r'<option value="GLA-VN-\d">([^<]*)</option>', html)
    assert options == expected


def test_an_officer_submits_for_a_member_of_their_unit_and_is_recorded(client, demo):
    officer = get_user_model().objects.get(username="canbo")
    client.force_login(officer)
    assert client.post("/submit/", submission()).status_code == 302
    assert new_initiatives().get().entered_by == officer


def test_an_officer_cannot_submit_for_another_unit(client, demo):
    client.force_login(get_user_model().objects.get(username="canbo"))
    response = client.post("/submit/", submission(unit="GLA-LIXIL"))
    assert "đơn vị mình phụ trách" in response.content.decode()
    assert not new_initiatives().exists()


def test_a_tracking_code_clash_is_retried_with_a_new_code_and_stores_one_row(client, demo, media):
    taken = Initiative.objects.first().tracking_code
    codes = iter([taken, "ZZZZ-ZZZZ-ZZZ1"])
    with mock.patch("initiatives.services.new_code", side_effect=lambda: next(codes)):
        response = client.post("/submit/", submission())
    assert response.status_code == 302
    initiative = new_initiatives().get()
    assert initiative.tracking_code == "ZZZZ-ZZZZ-ZZZ1"
    assert initiative.attachments.count() == 1 and initiative.history.count() == 1
    assert len(stored_files(media)) == 1  # the file of the undone attempt is gone


def test_the_thank_you_page_is_the_receipt_and_reads_nothing_from_the_database(client, demo, django_assert_num_queries):
    client.post("/submit/", submission())
    initiative = new_initiatives().select_related("unit").get()
    with django_assert_num_queries(0):
        html = client.get("/submit/done/").content.decode()
    shown = dict(re.findall(r'<dt class="col-sm-4">([^<]+)</dt><dd class="col-sm-8">([^<]+)</dd>', html))
    assert re.search(r'data-testid="tracking-code">%s<' % initiative.tracking_code, html)
    assert shown == {
        "Tên sáng kiến": "Cải tiến đồ gá lắp ráp",
        "Công đoàn cơ sở": initiative.unit.name,
        "Ngày nộp": timezone.localtime(initiative.submitted_at).strftime("%H:%M %d/%m/%Y"),
        "Giai đoạn": "Giai đoạn 1",
    }
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "<dd class=\"col-sm-8\">Phase 1</dd>" in client.get("/submit/done/").content.decode()


def test_the_thank_you_page_needs_the_signed_cookie_of_this_browser_from_the_last_hour(client, demo):
    client.post("/submit/", submission())
    code = new_initiatives().get().tracking_code
    genuine = client.cookies["csk_submitted"].value
    assert code in client.get("/submit/done/").content.decode()
    payload, stamp, signature = genuine.split(":")
    altered = signature[:-1] + ("B" if signature.endswith("A") else "A")  # never the genuine one
    for forged in ["1:1x0000:forged", f"{payload}x:{stamp}:{signature}", f"{payload}:{stamp}:{altered}"]:
        client.cookies["csk_submitted"] = forged
        assert client.get("/submit/done/")["Location"] == "/submit/"  # tampered: back to the form
    other = type(client)()
    assert other.get("/submit/done/")["Location"] == "/submit/"
    client.cookies["csk_submitted"] = genuine
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 3601):
        assert client.get("/submit/done/")["Location"] == "/submit/"  # more than an hour old


def test_the_longest_title_and_unit_name_fit_the_receipt_cookie(client, demo):
    unit = Unit.objects.get(code="GLA-STANLEY")
    unit.name = "Công đoàn " + "Ữ" * 245
    unit.save()
    title = "Sáng kiến " + "Ữ" * 290
    client.post("/submit/", submission(title=title))
    cookie = client.cookies["csk_submitted"]
    assert len(cookie.OutputString()) < 4096  # what a browser keeps
    html = client.get("/submit/done/").content.decode()
    assert title in html and unit.name in html


def test_closing_the_campaign_or_moving_its_phase_is_seen_at_once_despite_the_cache(client, demo):
    assert "không nhận sáng kiến" not in client.get("/submit/").content.decode()  # now cached
    campaign = Campaign.objects.get(is_open=True)
    campaign.is_open = False
    campaign.save()
    assert "không nhận sáng kiến" in client.get("/submit/").content.decode()
    campaign.is_open = True
    campaign.save()
    assert "không nhận sáng kiến" not in client.get("/submit/").content.decode()
    for phase in campaign.phases.all():  # today falls in no phase any more
        phase.starts_on = phase.starts_on.replace(year=phase.starts_on.year + 5)
        phase.ends_on = phase.ends_on.replace(year=phase.ends_on.year + 5)
        phase.save()
    assert "không nhận sáng kiến" in client.get("/submit/").content.decode()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the one-statement write is PostgreSQL's")
def test_the_one_statement_write_stores_what_saving_row_by_row_stores(demo, media):
    """PostgreSQL writes a submission in one statement; every other database through save().
    Both, given the same submission by an officer with two files, leave the same rows."""
    from django.db import transaction
    from django.utils import timezone
    from django.utils.datastructures import MultiValueDict

    from initiatives import rules, services
    from initiatives.forms import INITIATIVE_FIELDS, SubmissionForm
    from quotas import progress
    from quotas.models import ProgressCount, ProgressWeek

    campaign = Campaign.objects.get(is_open=True)
    phase = rules.check_campaign_open(campaign)
    officer = get_user_model().objects.get(username="canbo")
    post = submission(email="an@example.com", co_authors="Trần Thị B")
    form = SubmissionForm(post, MultiValueDict({"files": [upload("a.pdf", PDF), upload("b.docx", PDF)]}), campaign=campaign)
    form.setup_workplace(campaign, None)
    assert form.is_valid(), form.errors
    unit = form.cleaned_data["unit"]

    def counts():
        return {
            **{("count", r.unit_id, r.phase_id): (r.target, r.submitted, r.approved) for r in ProgressCount.objects.all()},
            **{("week", r.unit_id, r.phase_id, r.week): r.submitted for r in ProgressWeek.objects.all()},
        }

    def write(store, code):
        now = timezone.now()
        initiative = Initiative(
            campaign=campaign, phase=phase, unit=unit, status=Status.SUBMITTED, submitted_at=now, consent_at=now,
            not_ip_protected=True, entered_by=officer, tracking_code=code,
            **{name: form.cleaned_data[name] for name in INITIATIVE_FIELDS},
        )
        files = [(upload(f"tệp {n}.pdf", PDF), "pdf") for n in range(2)]
        before = counts()
        with transaction.atomic():
            store(
                initiative,
                services._write_files(initiative, files, []),
                StatusChange(initiative=initiative, to_status=Status.SUBMITTED, by=officer, at=now),
                progress.submission_statements(unit=unit, phase=phase, day=timezone.localdate(now)),
            )
        after = counts()
        moved = {key: value for key, value in after.items() if before.get(key) != value}
        stored = Initiative.objects.get(pk=initiative.pk)
        row = {f.attname: getattr(stored, f.attname) for f in Initiative._meta.concrete_fields}
        for varying in ("id", "tracking_code", "submitted_at", "consent_at", "updated_at"):
            row.pop(varying)
        assert stored.search_text == stored.folded_search_text()
        files = sorted((a.original_name, a.content_type, a.size, a.file.name.startswith("evidence/")) for a in stored.attachments.all())
        history = [(h.from_status, h.to_status, h.reason, h.note, h.by_id) for h in stored.history.all()]
        return row | {"search_text": None}, files, history, moved, before

    by_rows = write(services._store_row_by_row, "AAAA-AAAA-AAA1")
    at_once = write(services._store_at_once, "AAAA-AAAA-AAA2")
    assert at_once[:3] == by_rows[:3]
    assert len(at_once[3]) == len(by_rows[3]) > 0  # the same lineage rows moved, each by one more
    for key, value in at_once[3].items():
        earlier = by_rows[3][key]
        if key[0] == "count":
            assert value == (earlier[0], earlier[1] + 1, earlier[2])
        else:
            assert value == earlier + 1
    assert by_rows[1] and by_rows[2] == [("", Status.SUBMITTED, "", "", officer.pk)]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the one-statement write is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_submission_is_one_prepared_statement_all_or_nothing(client, demo, media):
    """As in production (no transaction around the request), each submission is one statement
    and its own transaction, prepared on the connection's first submission and reused after.
    A clash of tracking codes stores nothing of the failed attempt; a failure in the
    statement's last part (the counts) stores no row, no history, no file."""
    from django.db import DatabaseError

    from quotas.models import ProgressCount

    assert not connection.in_atomic_block  # the demo fixture's database, committed, not rolled back
    client.post("/submit/", submission())
    taken = new_initiatives().get().tracking_code
    codes = iter([taken, "ZZZZ-ZZZZ-ZZZ1"])
    with mock.patch("initiatives.services.new_code", side_effect=lambda: next(codes)):
        assert client.post("/submit/", submission())["Location"] == "/submit/done/"
    assert sorted(new_initiatives().values_list("tracking_code", flat=True)) == sorted([taken, "ZZZZ-ZZZZ-ZZZ1"])
    assert Attachment.objects.count() == 2 and len(stored_files(media)) == 2
    assert StatusChange.objects.filter(initiative__in=new_initiatives()).count() == 2
    with connection.cursor() as cursor:  # one statement, prepared once, run three times
        cursor.execute(
            "SELECT custom_plans + generic_plans FROM pg_prepared_statements WHERE statement LIKE 'WITH new AS%%'"
        )
        assert cursor.fetchall() == [(3,)]

    before = {(r.unit_id, r.phase_id): r.submitted for r in ProgressCount.objects.all()}
    with mock.patch("quotas.progress.week_of", return_value="not a date"):  # the counts' upsert fails
        with pytest.raises(DatabaseError):
            client.post("/submit/", submission(title="Không được lưu"), raise_request_exception=True)
    assert not new_initiatives().filter(title="Không được lưu").exists()
    assert new_initiatives().count() == 2 and Attachment.objects.count() == 2
    assert StatusChange.objects.filter(initiative__in=new_initiatives()).count() == 2
    assert len(stored_files(media)) == 2
    assert {(r.unit_id, r.phase_id): r.submitted for r in ProgressCount.objects.all()} == before


def test_a_submission_takes_a_fixed_number_of_queries_all_in_the_log(client, demo):
    """The workplace lookup, then the write: on PostgreSQL one statement (it shows in the query
    log with its text, though in production it runs prepared), elsewhere a row at a time."""
    from django.test.utils import CaptureQueriesContext

    client.get("/submit/")  # the campaign is now held, as it is at the surge
    data = submission()
    with CaptureQueriesContext(connection) as queries:
        assert client.post("/submit/", data)["Location"] == "/submit/done/"
    sql = [q["sql"] for q in queries.captured_queries]
    assert all(sql), sql
    sql = [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE"))]  # the test's own transaction
    assert sql[0].startswith('SELECT "id", "path", "name", "level" FROM "quotas_unit" WHERE "code" = ')
    if connection.vendor == "postgresql":
        assert len(sql) == 2 and sql[1].startswith('WITH new AS (INSERT INTO "initiatives_initiative"')
        assert new_initiatives().get().tracking_code in sql[1]
    else:
        writes = [s.split(" (")[0] for s in sql[1:]]
        assert writes == [
            'INSERT INTO "initiatives_initiative"', 'INSERT INTO "initiatives_attachment"',
            'INSERT INTO "initiatives_statuschange"', "INSERT INTO quotas_progresscount", "INSERT INTO quotas_progressweek",
        ], sql
