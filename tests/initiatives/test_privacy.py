import json

import pytest
from django.core.management import call_command

from initiatives.models import Initiative, PersonalDataAccess, Status
from initiatives.privacy import ERASED_NAME
from quotas.models import Campaign, ProgressCount
from tests.initiatives.factories import submission


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def person(client, demo):
    client.post("/submit/", submission(
        id_number="001090000777", phone="0987 654 321", drive_link="https://drive.google.com/file/d/abc123/view",
        email="nguyenvana@gmail.com",
    ))
    client.session.flush()
    return Initiative.objects.get(id_number="001090000777")


def test_viewing_a_full_record_is_logged(client, users, person):
    client.force_login(users["reviewer"])
    client.get(f"/review/{person.pk}/")
    log = PersonalDataAccess.objects.get(initiative=person)
    assert log.user == users["reviewer"] and log.action == "view"


def test_staff_export_everything_held_about_one_person(client, users, person):
    client.force_login(users["district"])
    page = client.post("/review/person/", {"id_number": "001 090 000 777"}).content.decode()
    assert person.tracking_code in page
    response = client.post("/review/person/export.json", {"phone": "+84987654321", "records": [person.pk]})
    data = json.loads(response.content)
    assert data["so_ho_so"] == 1 and data["ho_so"][0]["cmnd_cccd"] == "001090000777"
    assert data["ho_so"][0]["tep_minh_chung"] == ["bao-cao.pdf"]
    assert PersonalDataAccess.objects.filter(initiative=person, action="export").exists()


def test_the_numbers_searched_for_never_travel_in_the_address(client, users, person):
    """Addresses end up in access logs, browser history and the next page's Referer."""
    import re

    client.force_login(users["district"])
    blank = client.get("/review/person/").content.decode()
    assert re.search(r'<form method="post"[^>]*>', blank)
    page = client.post("/review/person/", {"id_number": "001090000777"}).content.decode()
    assert person.tracking_code in page
    assert "?id_number=" not in page and "id_number=001" not in page
    assert client.get("/review/person/export.json", {"id_number": "001090000777"}).status_code == 405
    # Asked in the address, the page searches nothing and shows nobody.
    assert person.tracking_code not in client.get("/review/person/", {"id_number": "001090000777"}).content.decode()


def test_erasing_keeps_the_initiative_and_the_counts(client, users, person, media):
    client.force_login(users["district"])
    campaign = Campaign.objects.get(is_open=True)
    before = ProgressCount.objects.get(unit__code="GLA", phase__campaign=campaign, phase__number=1).submitted
    file_path = media / person.attachments.get().file.name
    assert file_path.exists()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/review/person/erase/", {"id_number": "001090000777", "confirm": "yes", "records": [person.pk]})
    person.refresh_from_db()
    assert person.full_name == ERASED_NAME and person.phone == "" and person.id_number == ""
    assert person.drive_link == "" and person.email == ""
    assert person.status == Status.SUBMITTED and not person.attachments.exists() and not file_path.exists()
    assert ProgressCount.objects.get(unit__code="GLA", phase__campaign=campaign, phase__number=1).submitted == before
    assert PersonalDataAccess.objects.filter(initiative=person, action="erase").exists()


def test_erasing_blanks_the_historys_notes_and_keeps_its_moves(client, users, person):
    """A reviewer's note may name the person ("anh Nguyễn Văn An bổ sung…"): it goes with the
    rest of their data; who moved the initiative to which status, and when, stays."""
    from initiatives.workflow import initiative_decide

    initiative_decide(initiative=person, by=users["reviewer"], to=Status.RETURNED,
                      note="Đề nghị anh Nguyễn Văn An (0987 654 321) bổ sung bản vẽ.")
    client.force_login(users["district"])
    client.post("/review/person/erase/", {"id_number": "001090000777", "confirm": "yes", "records": [person.pk]})
    moves = list(person.history.all())
    assert [m.to_status for m in moves] == [Status.SUBMITTED, Status.RETURNED]
    assert moves[1].by == users["reviewer"] and "Nguyễn Văn An" not in moves[1].note and "0987" not in moves[1].note
    assert moves[0].note == ""  # an empty note stays empty


def test_erasing_needs_the_confirmation(client, users, person):
    client.force_login(users["district"])
    response = client.post("/review/person/erase/", {"id_number": "001090000777", "records": [person.pk]})
    person.refresh_from_db()
    assert person.full_name != ERASED_NAME
    # The page comes back with the search and the choice kept, and says what is missing.
    page = response.content.decode()
    assert response.status_code == 400 and "đánh dấu xác nhận" in page
    assert person.tracking_code in page and 'value="001090000777"' in page
    assert f'value="{person.pk}" id="rec-{person.pk}" checked' in page


def test_a_phone_shared_by_two_people_erases_only_the_one_ticked(client, users, person):
    """A family shares a phone: searching by it finds the relative's initiative too. The page
    warns, ticks nothing, and erasing takes only the records ticked; the export likewise."""
    client.post("/submit/", submission(full_name="Trần Thị Bình", id_number="001190000888", phone="0987654321"))
    client.session.flush()
    relative = Initiative.objects.get(id_number="001190000888")
    client.force_login(users["district"])
    page = client.post("/review/person/", {"phone": "0987654321"}).content.decode()
    assert person.tracking_code in page and relative.tracking_code in page
    assert "người khác dùng chung số điện thoại" in page and " checked" not in page

    refused = client.post("/review/person/export.json", {"phone": "0987654321"})
    assert refused.status_code == 400 and "hãy chọn hồ sơ" in refused.content.decode()
    data = json.loads(client.post("/review/person/export.json", {"phone": "0987654321", "records": [person.pk]}).content)
    assert [r["ho_va_ten"] for r in data["ho_so"]] == [person.full_name]

    client.post("/review/person/erase/", {"phone": "0987654321", "confirm": "yes", "records": [person.pk]})
    person.refresh_from_db()
    relative.refresh_from_db()
    assert person.full_name == ERASED_NAME
    assert relative.full_name == "Trần Thị Bình" and relative.id_number == "001190000888"
    assert not PersonalDataAccess.objects.filter(initiative=relative, action__in=["export", "erase"]).exists()


def test_a_refused_erase_or_export_logs_the_records_it_shows(client, users, person):
    """A refusal shows the records found again: that showing is logged like a search's; and the
    search form on that page searches on the search page, not at the erase address."""
    client.force_login(users["district"])
    for url in ("/review/person/erase/", "/review/person/export.json"):
        PersonalDataAccess.objects.all().delete()
        response = client.post(url, {"id_number": "001090000777"})
        assert response.status_code == 400 and person.full_name in response.content.decode()
        assert list(PersonalDataAccess.objects.values_list("initiative", "action")) == [(person.pk, "view")]
        assert '<form method="post" action="/review/person/"' in response.content.decode()


def test_a_record_outside_the_search_cannot_be_ticked_in(client, users, person):
    """The ticked ids are only a choice among what the search finds in the user's reach."""
    client.post("/submit/", submission(full_name="Lê Văn Cường", id_number="001090000999", phone="0911222333"))
    client.session.flush()
    other = Initiative.objects.get(id_number="001090000999")
    client.force_login(users["district"])
    client.post("/review/person/erase/", {"id_number": "001090000777", "confirm": "yes", "records": [person.pk, other.pk]})
    other.refresh_from_db()
    assert other.full_name == "Lê Văn Cường"


def test_opening_an_evidence_file_is_logged(client, users, person):
    client.force_login(users["reviewer"])
    response = client.get(f"/review/files/{person.attachments.get().pk}/")
    assert response.status_code == 200
    log = PersonalDataAccess.objects.get(initiative=person)
    assert log.user == users["reviewer"] and log.action == "file"
    client.head(f"/review/files/{person.attachments.get().pk}/")
    assert PersonalDataAccess.objects.filter(initiative=person).count() == 1


def test_reviewers_and_outsiders_cannot_use_the_person_page(client, users, person):
    for role in ("reviewer", "officer", "outsider"):
        client.force_login(users[role])
        assert client.post("/review/person/", {"id_number": "001090000777"}).status_code == 404


def test_district_staff_reach_only_their_own_subtree_even_with_another_role_elsewhere(
    client, users, person, django_user_model
):
    """Staff of one union's subtree who also review another union (the person's) must not
    export or erase the person's data there: the person pages follow the district-staff role."""
    from quotas.models import Membership, Role, Unit

    mixed = django_user_model.objects.create_user("ldld_lixil", password="x")
    Membership.objects.create(user=mixed, unit=Unit.objects.get(code="GLA-LIXIL"), role=Role.DISTRICT_STAFF)
    Membership.objects.create(user=mixed, unit=Unit.objects.get(code="GLA-STANLEY"), role=Role.REVIEWER)
    client.force_login(mixed)
    response = client.post("/review/person/", {"id_number": "001090000777"})
    assert response.context["records"] == [] and person.full_name not in response.content.decode()
    assert client.post("/review/person/export.json", {"id_number": "001090000777"}).status_code == 404
    client.post("/review/person/erase/", {"id_number": "001090000777", "confirm": "yes", "records": [person.pk]})
    person.refresh_from_db()
    assert person.full_name != ERASED_NAME and person.id_number == "001090000777"
    assert not PersonalDataAccess.objects.filter(initiative=person).exists()


def test_retention_anonymises_old_campaigns_only(demo, settings):
    settings.RETENTION_YEARS = 1
    old = Campaign.objects.get(slug="01-trieu-sang-kien-2022")
    sample = Initiative.objects.first()
    Initiative.objects.filter(pk=sample.pk).update(campaign=old)
    call_command("purge_personal_data", stdout=open("/dev/null", "w"))
    sample.refresh_from_db()
    assert sample.full_name == ERASED_NAME
    assert Initiative.objects.exclude(full_name=ERASED_NAME).count() == Initiative.objects.count() - 1
