import html
import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile

from initiatives.models import Attachment, Initiative, RejectionReason, Status
from initiatives.workflow import TRANSITIONS, IllegalMove, initiative_decide, initiative_move
from tests.initiatives.factories import PDF


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stanley(status=Status.SUBMITTED):
    return Initiative.objects.filter(unit__code="GLA-STANLEY", status=status).first()


def login(client, user):
    if user is not None:
        client.force_login(user)


@pytest.fixture
def evidence(users):
    initiative = stanley()
    a = Attachment(initiative=initiative, original_name="qd.pdf", content_type="application/pdf", size=len(PDF))
    a.file.save("x.pdf", ContentFile(PDF))
    return a


# ------------------------------------------------------------ who sees what

ROLES = ["anonymous", "outsider", "other_reviewer", "officer", "reviewer", "district", "admin"]
# For an initiative of GLA-STANLEY: True = allowed, False = 404 (anonymous: redirect to login).
SEES_STANLEY = {"outsider": False, "other_reviewer": False, "officer": True, "reviewer": True, "district": True, "admin": True}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ["detail", "file", "queue"])
def test_permission_matrix(client, users, evidence, role, url):
    login(client, users[role])
    initiative = evidence.initiative
    path = {
        "detail": f"/review/{initiative.pk}/",
        "file": f"/review/files/{evidence.pk}/",
        "queue": "/review/",
    }[url]
    response = client.get(path)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    elif url == "queue":
        assert response.status_code == (404 if role == "outsider" else 200)
        assert (initiative.tracking_code in response.content.decode()) == SEES_STANLEY[role]
    else:
        assert response.status_code == (200 if SEES_STANLEY[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_reviewers_in_scope_and_admins_decide(client, users, role):
    login(client, users[role])
    initiative = stanley()
    response = client.post(f"/review/{initiative.pk}/decide/", {"to": Status.APPROVED})
    initiative.refresh_from_db()
    decided = role in ("reviewer", "admin")
    assert (initiative.status == Status.APPROVED) == decided
    if role == "anonymous":
        assert response.status_code == 302
    elif not decided:
        assert response.status_code == 404


def test_attachments_are_served_safely(client, users, evidence):
    login(client, users["reviewer"])
    response = client.get(f"/review/files/{evidence.pk}/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == PDF
    evidence.content_type = "application/msword"
    evidence.save()
    assert client.get(f"/review/files/{evidence.pk}/")["Content-Disposition"].startswith("attachment")


def test_lists_mask_personal_numbers_and_detail_shows_them(client, users):
    login(client, users["reviewer"])
    initiative = stanley()
    queue = client.get("/review/").content.decode()
    assert initiative.id_number not in queue and initiative.phone not in queue
    assert "*" * 9 + initiative.id_number[-3:] in queue
    detail = client.get(f"/review/{initiative.pk}/").content.decode()
    assert initiative.id_number in detail and initiative.phone in detail


@pytest.mark.parametrize("role", ["officer", "district"])
def test_only_the_units_reviewers_see_the_numbers_in_full(client, users, role):
    """The consent notice: "Số CMND/CCCD và số điện thoại chỉ người xét duyệt của đơn vị bạn
    được xem đầy đủ". Officers and district staff in scope open the detail with them masked."""
    from initiatives.models import PersonalDataAccess

    login(client, users[role])
    initiative = stanley()
    detail = client.get(f"/review/{initiative.pk}/").content.decode()
    assert initiative.title in detail
    assert initiative.id_number not in detail and initiative.phone not in detail
    assert "*" * 9 + initiative.id_number[-3:] in detail
    assert not PersonalDataAccess.objects.filter(initiative=initiative, user=users[role]).exists()


def test_a_queue_row_shows_its_initiative_escaped_and_dated_in_local_time(client, users):
    import datetime as dt

    from django.utils import timezone

    login(client, users["reviewer"])
    initiative = stanley()
    # Just after midnight in Hà Nội is still the day before in UTC.
    local_midnight = dt.datetime(2026, 3, 5, 0, 30, tzinfo=timezone.get_current_timezone())
    Initiative.objects.filter(pk=initiative.pk).update(title='Máy <b>ép</b> "nhanh"', submitted_at=local_midnight)
    html = client.get("/review/?q=" + initiative.tracking_code).content.decode()
    row = re.search(rf'<tr>(?:(?!</tr>).)*{initiative.tracking_code}(?:(?!</tr>).)*</tr>', html, re.S).group(0)
    assert f'<a href="/review/{initiative.pk}/">{initiative.tracking_code}</a>' in row
    assert "Máy &lt;b&gt;ép&lt;/b&gt; &quot;nhanh&quot;" in row and "<b>" not in row
    assert f'name="ids" value="{initiative.pk}"' in row
    assert 'aria-label="Chọn “Máy &lt;b&gt;ép&lt;/b&gt; &quot;nhanh&quot;”"' in row
    assert "05/03/2026" in row
    assert f'status-{initiative.status}">{initiative.get_status_display()}</span>' in row
    assert initiative.phone not in row and initiative.phone[-3:] in row

    empty = client.get("/review/?q=khong-co-sang-kien-nao-nhu-the").content.decode()
    assert "Không có sáng kiến nào phù hợp." in empty


def test_admin_initiative_list_is_scoped_for_staff(client, users, django_user_model):
    from django.contrib.auth.models import Group

    from quotas.models import Membership, Role, Unit

    login(client, users["district"])
    page = client.get("/admin/initiatives/initiative/").content.decode()
    assert stanley().tracking_code in page
    headings = re.findall(r'<th scope="col"[^>]*>.*?<a [^>]*>([^<]*)</a>', page, re.S)
    assert "Giai đoạn" in headings and "Phase" not in headings and "phase" not in headings, headings
    lixil_staff = django_user_model.objects.create_user("lixil_staff", password="x", is_staff=True)
    lixil_staff.groups.add(Group.objects.get(name="Cán bộ LĐLĐ"))
    Membership.objects.create(user=lixil_staff, unit=Unit.objects.get(code="GLA-LIXIL"), role=Role.DISTRICT_STAFF)
    client.force_login(lixil_staff)
    page = client.get("/admin/initiatives/initiative/").content.decode()
    lixil = Initiative.objects.filter(unit__code="GLA-LIXIL").first()
    assert lixil.tracking_code in page and stanley().tracking_code not in page
    assert client.get(f"/admin/initiatives/initiative/{stanley().pk}/change/").status_code == 302  # not found → admin index
    assert client.get("/admin/initiatives/statuschange/").status_code == 404  # history has no admin of its own


# ------------------------------------------------------------ the queue


def test_queue_counts_filters_and_search(client, users):
    login(client, users["district"])
    page = client.get("/review/").content.decode()
    total = Initiative.objects.count()
    assert re.search(rf"Tất cả <span[^>]*>{total}</span>", page)
    approved = Initiative.objects.filter(status=Status.APPROVED).count()
    assert re.search(rf'data-testid="count-approved"[^>]*>[^<]*<span[^>]*>{approved}</span>', page)
    filtered = client.get("/review/", {"status": "approved"}).content.decode()
    assert "Tái sử dụng khay nhựa" in filtered and "Đề xuất đổi màu sơn" not in filtered
    found = client.get("/review/", {"q": "KHAY NHUA"}).content.decode()
    assert "Tái sử dụng khay nhựa" in found and "Đề xuất đổi màu sơn" not in found
    by_code = client.get("/review/", {"q": stanley().tracking_code.lower()}).content.decode()
    assert stanley().title in by_code
    by_block = client.get("/review/", {"block": "school"}).content.decode()
    assert "Trò chơi vận động" in by_block and "khay nhựa" not in by_block
    assert client.get("/review/", {"date_from": "31/02/2022", "phase": "9"}).status_code == 200


def test_a_code_read_out_with_spaces_or_run_together_finds_its_initiative(client, users):
    login(client, users["district"])
    code = stanley().tracking_code
    for typed in [code.replace("-", " "), code.replace("-", "").lower()]:
        page = client.get("/review/", {"q": typed}).content.decode()
        assert stanley().title in page, typed


def test_a_district_or_province_code_filters_to_its_whole_subtree(client, users):
    login(client, users["district"])
    for code in ["GLA", "gla", "T01"]:
        page = client.get("/review/", {"unit": code}).content.decode()
        assert stanley().title in page and "Không có sáng kiến nào phù hợp" not in page, code
    other = client.get("/review/", {"unit": "KHONG-CO"}).content.decode()
    assert stanley().title not in other and "Không có sáng kiến nào phù hợp" in other


@pytest.mark.parametrize("dates", [{"date_to": "31/12/9999"}, {"date_from": "01/01/0001"}, {"date_from": "01/01/1000"}])
def test_a_date_at_the_end_of_the_calendar_is_ignored_not_a_crash(client, users, dates):
    login(client, users["district"])
    response = client.get("/review/", dates)
    assert response.status_code == 200 and stanley().title in response.content.decode()


def test_a_bad_filter_value_is_left_out_alone_and_said_so(client, users):
    """A mistyped date must not drop the search too: the reviewer would take the whole queue
    for the matches of their search."""
    login(client, users["district"])
    response = client.get("/review/", {"q": "zzzz-khong-co", "date_from": "32/01/2026", "sort": "nonsense"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert stanley().title not in page and "Không có sáng kiến nào phù hợp" in page  # the search still applies
    assert "Điều kiện lọc không hợp lệ nên chưa được áp dụng: Nộp từ ngày, Sắp xếp" in page


def test_a_date_typed_as_digits_alone_filters(client, users):
    """A phone's numeric keypad may have no "/": 04092026 is 04/09/2026."""
    from initiatives.forms import QueueFilterForm

    form = QueueFilterForm({"date_from": "04092026"})
    assert form.is_valid() and form.cleaned_data["date_from"].isoformat() == "2026-09-04"


def test_a_page_cursor_from_another_sort_starts_the_list_again(client, users, monkeypatch):
    from initiatives import review_views

    monkeypatch.setattr(review_views, "PAGE_SIZE", 2)
    login(client, users["district"])
    by_title = client.get("/review/", {"sort": "title"}).content.decode()
    after = re.search(r'href="\?([^"]*after=[^"]*)"', by_title).group(1).replace("&amp;", "&")
    response = client.get("/review/?" + after.replace("sort=title", "sort=newest"))
    assert response.status_code == 200
    first_newest = client.get("/review/", {"sort": "newest"}).content.decode()
    assert re.findall(r'href="/review/(\d+)/"', response.content.decode()) == re.findall(r'href="/review/(\d+)/"', first_newest)


def test_queue_counts_say_when_they_stopped_counting(client, users, monkeypatch):
    """Counts stop at a cap (never a COUNT(*) over a million rows): "All" then shows "3+" (the
    cap, not the cap plus one) and the statuses no number (the rows counted are the first the
    index gives, not a sample). A search is not counted: no tab shows a number."""
    from initiatives import review_views

    monkeypatch.setattr(review_views, "COUNT_CAP", 3)
    login(client, users["admin"])
    page = client.get("/review/", {"block": "enterprise", "status": "approved"}).content.decode()
    assert re.search(r"Tất cả <span[^>]*>3\+</span>", page)
    assert re.search(r'data-testid="count-approved"[^>]*aria-current="page">Được công nhận</a>', page)
    assert "Có hơn 3 sáng kiến phù hợp" in page
    # Each tab keeps the other filters and drops the page cursor.
    tab = re.search(r'data-testid="count-submitted" href="([^"]*)"', page).group(1).replace("&amp;", "&")
    assert "block=enterprise" in tab and "status=submitted" in tab and "status=approved" not in tab
    monkeypatch.setattr(review_views, "COUNT_CAP", 10_000)
    searched = client.get("/review/", {"q": "khay nhua"}).content.decode()
    assert "Tái sử dụng khay nhựa" in searched
    tabs = re.search(r'<ul class="nav[^"]*status-tabs">(.*?)</ul>', searched, re.S).group(1)
    assert "badge" not in tabs  # no number at all, not a misleading 0
    assert "Có hơn" not in searched


@pytest.mark.parametrize("role", ["admin", "district"])  # the whole table, and a narrow scope
def test_keyset_pages_cover_every_row_once(client, users, monkeypatch, role):
    from initiatives import review_views

    monkeypatch.setattr(review_views, "PAGE_SIZE", 2)
    login(client, users[role])
    seen, url = [], "/review/?sort=title"
    while url:
        page = client.get(url).content.decode()
        seen += re.findall(r'href="/review/(\d+)/"', page)
        nxt = re.search(r'href="\?([^"]*after=[^"]*)"', page)
        url = "/review/?" + nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == Initiative.objects.count() == len(set(seen))
    titles = [Initiative.objects.get(pk=pk).title for pk in seen]
    assert titles == sorted(titles)


@pytest.mark.parametrize("sort", ["newest", "title"])
def test_a_later_page_starts_at_its_cursor_in_the_index(client, users, monkeypatch, sort):
    """Page 5,000 costs what page 1 costs: the next page's query bounds the sort key itself, so
    the key's index starts at the cursor instead of being read from the top and filtered
    (measured on the national queue at a million rows: 12.5 → 1 ms at page 5,000)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from initiatives import review_views

    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's plan: runs on PostgreSQL in CI")
    monkeypatch.setattr(review_views, "PAGE_SIZE", 2)
    login(client, users["admin"])  # the national queue: walked in the key's order
    first = client.get("/review/", {"sort": sort}).content.decode()
    after = re.search(r'href="\?([^"]*after=[^"]*)"', first).group(1).replace("&amp;", "&")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/review/?" + after).status_code == 200
    key = review_views.SORTS[sort][0]
    page_ids = next(q["sql"] for q in captured if q["sql"].startswith('SELECT "initiatives_initiative"."id" AS "pk"'))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the demo's few rows: show the index's use
        cursor.execute("EXPLAIN " + page_ids)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.search(rf"Index Cond: .*\b{key} [<>]=", plan), plan


def _queue_queries(client, user, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, user)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/review/", params)
    assert page.status_code == 200
    counts = next(q["sql"] for q in captured if q["sql"].startswith("SELECT s.status, COUNT(*)"))
    page_ids = next(q["sql"] for q in captured if q["sql"].startswith('SELECT "initiatives_initiative"."id" AS "pk"'))
    return page.content.decode(), counts, page_ids


def test_a_block_filter_narrows_the_scope_units(client, users):
    """The block is a condition on the scope's own units, in the one subquery that finds them,
    not a join of its own: joined, the planner merged a province's units with every union of
    the block by primary key (84 → 5 ms for a province's schools at national scale)."""
    page, counts, page_ids = _queue_queries(client, users["district"], {"block": "school"})
    assert "Trò chơi vận động" in page and "khay nhựa" not in page
    for sql in (counts, page_ids):
        assert "JOIN" not in sql
        units = re.search(r'IN \(SELECT U0\."id" AS "pk" FROM "quotas_unit" U0 WHERE (.*?)\)\)?', sql)
        assert units and '"path" >=' in units.group(1) and '"block" = ' in units.group(1), sql


def _plan(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the demo's few rows: show which index serves
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_target_group_filter_reads_its_own_index(client, users):
    """The nation's queue filtered by target group: counts and page from the (campaign, group,
    newest first) index alone; without it the counts read half the table (420 ms at a million)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's plan: runs on PostgreSQL in CI")
    page, counts, page_ids = _queue_queries(client, users["admin"], {"target_group": "worker"})
    shown = Initiative.objects.filter(target_group="worker").order_by("-submitted_at", "-id").first()
    assert shown.title in page
    for sql in (counts, page_ids):
        assert re.search(r"Index (Only )?Scan using initiative_campaign_group", _plan(sql)), _plan(sql)


def test_a_scopes_units_can_be_read_from_the_index_alone(db):
    """The scope's subquery (a province's 23,000 unions at national scale, hashed for the
    target-group filter) can read their ids from a path index that carries them, not the unit
    table (21 -> 14 ms there; bench/run.py's plans show its use). A fresh test database's pages
    are not marked all-visible (no VACUUM inside a test's transaction), so the planner's choice
    cannot be shown here: the index's definition is."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's catalogue: runs on PostgreSQL in CI")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'unit_path_covering'")
        (definition,) = cursor.fetchone()
    assert re.search(r"ON \S*quotas_unit USING btree \(path\) INCLUDE \(id\)$", definition), definition


def test_a_block_filter_does_not_walk_the_target_group_index(client, users):
    """That index is partial (only a query naming a group may use it): the nation's queue
    filtered by block must not walk it and probe each row's unit (13 → 330 ms at a million)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's plan: runs on PostgreSQL in CI")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'initiative_campaign_group'")
        assert " WHERE " in cursor.fetchone()[0]
    _page, counts, page_ids = _queue_queries(client, users["admin"], {"block": "school"})
    for sql in (counts, page_ids):
        assert "initiative_campaign_group" not in _plan(sql)


def test_bulk_approve_applies_to_the_selection_in_scope(client, users):
    login(client, users["reviewer"])
    mine = list(Initiative.objects.filter(unit__code="GLA-STANLEY", status=Status.SUBMITTED))
    theirs = Initiative.objects.filter(unit__code="GLA-LIXIL", status=Status.RESUBMITTED).first()
    response = client.post("/review/bulk/", {"ids": [i.pk for i in mine] + [theirs.pk], "to": Status.APPROVED}, follow=True)
    assert all(Initiative.objects.get(pk=i.pk).status == Status.APPROVED for i in mine)
    assert Initiative.objects.get(pk=theirs.pk).status == Status.RESUBMITTED
    assert "không xử lý được" in response.content.decode()


def test_bulk_with_an_id_no_initiative_can_have_fails_that_one_only(client, users):
    """A tampered form: a number past the database's integer range, or not positive."""
    login(client, users["reviewer"])
    initiative = stanley()
    response = client.post(
        "/review/bulk/", {"ids": [initiative.pk, "99999999999999999999", "-5"], "to": Status.APPROVED}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Đã xử lý 1 sáng kiến" in page and "2 sáng kiến không xử lý được" in page
    assert Initiative.objects.get(pk=initiative.pk).status == Status.APPROVED


def test_bulk_goes_back_to_the_queue_only(client, users):
    """The queue page it was sent from, never an address the form was given elsewhere."""
    login(client, users["reviewer"])
    for data in ({"ids": [stanley().pk], "to": Status.APPROVED}, {"to": Status.APPROVED}):  # done, and invalid
        response = client.post("/review/bulk/", {**data, "next": "https://evil.example/review/"})
        assert response.status_code == 302 and response["Location"] == "/review/"
    response = client.post("/review/bulk/", {"to": Status.APPROVED, "next": "/review/?status=submitted"})
    assert response["Location"] == "/review/?status=submitted"


def test_bulk_reject_needs_a_reason(client, users):
    login(client, users["reviewer"])
    initiative = stanley()
    response = client.post("/review/bulk/", {"ids": [initiative.pk], "to": Status.REJECTED}, follow=True)
    assert "Vui lòng chọn lý do" in response.content.decode()
    assert Initiative.objects.get(pk=initiative.pk).status == Status.SUBMITTED
    client.post("/review/bulk/", {"ids": [initiative.pk], "to": Status.REJECTED, "reason": RejectionReason.DUPLICATE})
    assert Initiative.objects.get(pk=initiative.pk).rejection_reason == RejectionReason.DUPLICATE


# ------------------------------------------------------------ the workflow

ALL = list(Status)


@pytest.mark.parametrize("from_status", ALL)
@pytest.mark.parametrize("to_status", ALL)
def test_every_transition_is_legal_or_refused(users, from_status, to_status):
    initiative = stanley()
    Initiative.objects.filter(pk=initiative.pk).update(status=from_status)
    initiative.refresh_from_db()
    before = initiative.history.count()
    if (from_status, to_status) in TRANSITIONS:
        initiative_move(initiative=initiative, to=to_status, reason=RejectionReason.OTHER if to_status == Status.REJECTED else "", note="n")
        assert Initiative.objects.get(pk=initiative.pk).status == to_status
        last = initiative.history.last()
        assert (last.from_status, last.to_status) == (from_status, to_status)
    else:
        with pytest.raises(IllegalMove):
            initiative_move(initiative=initiative, to=to_status)
        assert Initiative.objects.get(pk=initiative.pk).status == from_status
        assert initiative.history.count() == before


def test_a_stale_decision_is_refused_and_moves_nothing(users):
    first, second = stanley(), stanley()
    initiative_decide(initiative=first, by=users["reviewer"], to=Status.APPROVED)
    with pytest.raises(IllegalMove, match="người khác xử lý"):
        initiative_decide(initiative=second, by=users["admin"], to=Status.REJECTED, reason=RejectionReason.DUPLICATE)
    assert Initiative.objects.get(pk=first.pk).status == Status.APPROVED
    assert first.history.filter(to_status__in=[Status.APPROVED, Status.REJECTED]).count() == 1


@pytest.mark.parametrize(
    "post, message",
    [({"to": "rejected"}, "Vui lòng chọn lý do"),
     ({"to": "rejected", "reason": "other"}, "ghi rõ lý do"),
     ({"to": "returned"}, "thông tin cần bổ sung"),
     ({"to": "resubmitted"}, "Hãy chọn một lựa chọn hợp lệ")],
)
def test_a_decision_without_what_it_needs_is_refused(client, users, post, message):
    login(client, users["reviewer"])
    initiative = stanley()
    response = client.post(f"/review/{initiative.pk}/decide/", post)
    assert response.status_code == 400 and message in response.content.decode()
    assert Initiative.objects.get(pk=initiative.pk).status == Status.SUBMITTED


def test_the_member_sees_each_decision_on_track_and_by_email(client, users):
    initiative = stanley()
    Initiative.objects.filter(pk=initiative.pk).update(email="doanvien@example.com")
    initiative.refresh_from_db()
    login(client, users["reviewer"])
    with pytest.MonkeyPatch.context() as m:
        m.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        client.post(f"/review/{initiative.pk}/decide/", {"to": "returned", "note": "Bổ sung quyết định"})
    assert len(mail.outbox) == 1 and "Bổ sung quyết định" in mail.outbox[0].body
    member = client.__class__()
    page = member.post("/track/", {"code": initiative.tracking_code, "phone": initiative.phone}, follow=True).content.decode()
    assert "Cần bổ sung thông tin" in page and "Bổ sung quyết định" in page


def test_detail_shows_hints_and_possible_duplicates(client, users):
    login(client, users["reviewer"])
    original = stanley()
    twin = Initiative.objects.filter(unit__code="GLA-STANLEY").exclude(pk=original.pk).first()
    Initiative.objects.filter(pk=twin.pk).update(id_number=original.id_number, title=original.title + " (bản 2)")
    page = client.get(f"/review/{original.pk}/").content.decode()
    assert "nằm trong thời gian" in page
    assert "Có thể trùng với" in page and twin.tracking_code in page


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_only_one_wins(users):
    """Two threads, two database connections, the same initiative: exactly one decision lands."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs two real connections to one server: runs on PostgreSQL in CI")
    initiative_pk = stanley().pk
    barrier = threading.Barrier(2)
    results = []

    def act(user, to, reason):
        try:
            initiative = Initiative.objects.get(pk=initiative_pk)
            barrier.wait()
            initiative_decide(initiative=initiative, by=user, to=to, reason=reason)
            results.append("won")
        except IllegalMove:
            results.append("lost")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=(users["reviewer"], Status.APPROVED, "")),
        threading.Thread(target=act, args=(users["admin"], Status.REJECTED, RejectionReason.DUPLICATE)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lost", "won"]
    initiative = Initiative.objects.get(pk=initiative_pk)
    assert initiative.history.exclude(to_status=Status.SUBMITTED).count() == 1


def test_history_rows_cannot_be_edited_or_deleted(users):
    change = stanley().history.first()
    change.note = "sửa lại"
    with pytest.raises(PermissionError):
        change.save()
    with pytest.raises(PermissionError):
        change.delete()


def test_the_queue_shows_one_campaign_at_a_time(client, users):
    from quotas.models import Campaign

    login(client, users["admin"])
    old = Campaign.objects.get(slug="01-trieu-sang-kien-2022")
    moved = stanley()
    Initiative.objects.filter(pk=moved.pk).update(campaign=old)
    assert moved.tracking_code not in client.get("/review/").content.decode()
    assert moved.tracking_code in client.get("/review/", {"campaign": old.slug}).content.decode()


def test_a_province_reviewer_sees_the_same_queue_as_its_district_through_the_wide_plan(client, users, django_user_model):
    """A province's scope is paged by walking the campaign newest first (a district's through
    its units): the same rows in the same order, counts and search included."""
    from initiatives.selectors import scope_is_narrow
    from quotas.models import Membership, Role, Unit

    province = django_user_model.objects.create_user("xetduyet_hanoi", password="x")
    Membership.objects.create(user=province, unit=Unit.objects.get(code="T01"), role=Role.REVIEWER)
    assert not scope_is_narrow(province) and scope_is_narrow(users["district"]) and scope_is_narrow(users["reviewer"])

    def listing(user, **params):
        login(client, user)
        html = client.get("/review/", params).content.decode()
        client.logout()
        return re.findall(r'href="/review/(\d+)/"', html), re.findall(r'data-testid="count-(\w+)"[^>]*>[^<]*<span[^>]*>(\d+)', html)

    for params in ({}, {"status": "approved"}, {"q": "khay nhua"}, {"sort": "oldest"}):
        assert listing(province, **params) == listing(users["district"], **params), params
    rows, counts = listing(province)
    assert len(rows) >= 5 and counts  # the demo's initiatives, all under Hà Nội


def _database_options(**env) -> str:
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = "import portal.settings as s; print(s.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2],
        env={"PATH": os.environ["PATH"], "DEBUG": "true", **env}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_portals_queries_are_planned_without_parallel_workers_and_for_cached_pages(db):
    """A province's review queue was planned in parallel, every unit walked to find its range
    (bench/run.py: its status counts 26-36 ms against 8 ms without workers); and with random
    reads priced as disk seeks the largest district's progress table read a whole campaign's
    counts (52 ms against 5). The portal's PostgreSQL connections turn parallel query off and
    price random reads at 1.1; an empty setting leaves the server's own."""
    from django.db import connection

    postgres = "postgres://portal@127.0.0.1:5432/portal"
    both = "-c max_parallel_workers_per_gather=0 -c random_page_cost=1.1"
    assert _database_options(DATABASE_URL=postgres) == both
    assert _database_options(DATABASE_URL=postgres, DB_PARALLEL_WORKERS_PER_GATHER="") == "-c random_page_cost=1.1"
    assert _database_options(DATABASE_URL=postgres, DB_RANDOM_PAGE_COST="2") == (
        "-c max_parallel_workers_per_gather=0 -c random_page_cost=2"
    )
    # Added to what the address already asks for, not instead of it.
    assert _database_options(DATABASE_URL=postgres + "?options=-c%20search_path%3Dportal") == (
        f"-c search_path=portal {both}"
    )
    # Behind a transaction-mode pooler, which refuses startup options, only when asked for.
    assert _database_options(DATABASE_URL=postgres, DB_PREPARED_STATEMENTS="false") == ""
    assert _database_options(
        DATABASE_URL=postgres, DB_PREPARED_STATEMENTS="false", DB_PARALLEL_WORKERS_PER_GATHER="0"
    ) == "-c max_parallel_workers_per_gather=0"
    assert _database_options(DATABASE_URL="sqlite:///:memory:") == ""
    # What the address sets itself is left as it is; a value that is not a number stops start-up.
    assert _database_options(DATABASE_URL=postgres + "?options=-c%20random_page_cost%3D2") == (
        "-c random_page_cost=2 -c max_parallel_workers_per_gather=0"
    )
    for name, bad in (("DB_RANDOM_PAGE_COST", "nan"), ("DB_RANDOM_PAGE_COST", "-1"), ("DB_PARALLEL_WORKERS_PER_GATHER", "1.5")):
        with pytest.raises(AssertionError, match="must be a number"):
            _database_options(DATABASE_URL=postgres, **{name: bad})
    if connection.vendor == "postgresql":  # and the test run's own connection has them
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] == "0"
            cursor.execute("SHOW random_page_cost")
            assert cursor.fetchone()[0] == "1.1"
