"""The admin's allocation screens follow the staff member's scope: a district's staff keep their
own subtree's overrides (list, form, Excel import and download); the campaign-wide block rules
are changed by admins only."""

import re

import pytest

from quotas.excel import sign_upload
from quotas.models import AllocationOverride, AllocationRule, Block, Campaign, Level, Unit
from quotas.services import unit_upsert
from tests.quotas.excel_helpers import SEED_ROWS, seed_rows, write_sheet

OUT_OF_SCOPE = "nằm ngoài phạm vi đơn vị bạn phụ trách"
INVALID_CHOICE = "Hãy chọn một lựa chọn hợp lệ"


@pytest.fixture
def campaign(users):
    return Campaign.objects.get(is_open=True)


@pytest.fixture
def ha_giang_union(users):
    """A grassroots union of another province (T02 Hà Giang), outside ldld's Gia Lâm."""
    return unit_upsert(code="HG-XIMANG", name="CĐ Công ty Xi măng Hà Giang", level=Level.GRASSROOTS,
                       block=Block.ENTERPRISE, parent=Unit.objects.get(code="T02"), member_count=300)


def _phase1(campaign):
    return campaign.phases.get(number=1)


# ------------------------------------------------------------------ overrides: form and list


@pytest.mark.parametrize("code", ["T02", "HG-XIMANG"])
def test_district_staff_cannot_add_an_override_for_another_provinces_unit(client, users, campaign, ha_giang_union, code):
    client.force_login(users["district"])
    unit = Unit.objects.get(code=code)
    response = client.post("/admin/quotas/allocationoverride/add/", {
        "phase": _phase1(campaign).pk, "unit": unit.pk, "target": 999999,
    })
    assert response.status_code == 200
    assert INVALID_CHOICE in response.content.decode()
    assert not AllocationOverride.objects.filter(unit=unit).exists()
    assert not AllocationOverride.objects.filter(target=999999).exists()


def test_district_staff_still_add_an_override_in_their_district(client, users, campaign):
    client.force_login(users["district"])
    school = Unit.objects.get(code="GLA-TH-01")
    response = client.post("/admin/quotas/allocationoverride/add/", {
        "phase": _phase1(campaign).pk, "unit": school.pk, "target": 7,
    })
    assert response.status_code == 302
    assert AllocationOverride.objects.get(unit=school, phase=_phase1(campaign)).target == 7


def test_the_unit_chooser_of_the_override_form_lists_only_the_staffs_units(client, users, ha_giang_union):
    """The magnifier beside "Đơn vị" opens the unit list as a popup: district staff find their
    own district's units there, not another province's they could not choose anyway."""
    popup = "/admin/quotas/unit/?_to_field=id&_popup=1"
    client.force_login(users["district"])
    page = client.get(popup).content.decode()
    assert "GLA-STANLEY" in page and "GLA-LIXIL" in page  # their units, listed flat (no tree from the nation)
    listed = re.compile(r'<td class="field-code">HG-XIMANG</td>')
    assert not listed.search(client.get(popup + "&q=HG-XIMANG").content.decode())
    client.force_login(users["admin"])
    assert listed.search(client.get(popup + "&q=HG-XIMANG").content.decode())


def test_district_staff_cannot_move_their_override_to_another_provinces_unit(client, users, campaign, ha_giang_union):
    client.force_login(users["district"])
    override = AllocationOverride.objects.get(unit__code="GLA-STANLEY", phase=_phase1(campaign))
    response = client.post(f"/admin/quotas/allocationoverride/{override.pk}/change/", {
        "phase": override.phase_id, "unit": ha_giang_union.pk, "target": 999999,
    })
    assert response.status_code == 200 and INVALID_CHOICE in response.content.decode()
    override.refresh_from_db()
    assert (override.unit.code, override.target) == ("GLA-STANLEY", 400)


def test_the_override_list_shows_only_the_district_staffs_units(client, users, campaign, ha_giang_union):
    other = AllocationOverride.objects.create(unit=ha_giang_union, phase=_phase1(campaign), target=55)
    client.force_login(users["district"])
    html = client.get("/admin/quotas/allocationoverride/").content.decode()
    assert "Stanley" in html and "Xi măng Hà Giang" not in html
    # Nor can they open, change or delete it by its address.
    assert client.get(f"/admin/quotas/allocationoverride/{other.pk}/change/").status_code == 302
    client.post(f"/admin/quotas/allocationoverride/{other.pk}/change/", {
        "phase": other.phase_id, "unit": other.unit_id, "target": 999999,
    })
    client.post(f"/admin/quotas/allocationoverride/{other.pk}/delete/", {"post": "yes"})
    client.post("/admin/quotas/allocationoverride/", {
        "action": "delete_selected", "_selected_action": [other.pk], "post": "yes",
    })
    other.refresh_from_db()
    assert other.target == 55


def test_the_admin_sees_and_changes_every_override(client, users, campaign, ha_giang_union):
    other = AllocationOverride.objects.create(unit=ha_giang_union, phase=_phase1(campaign), target=55)
    client.force_login(users["admin"])
    html = client.get("/admin/quotas/allocationoverride/").content.decode()
    assert "Stanley" in html and "Xi măng Hà Giang" in html
    response = client.post(f"/admin/quotas/allocationoverride/{other.pk}/change/", {
        "phase": other.phase_id, "unit": other.unit_id, "target": 60,
    })
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.target == 60
    response = client.post("/admin/quotas/allocationoverride/add/", {
        "phase": _phase1(campaign).pk, "unit": Unit.objects.get(code="T02").pk, "target": 9,
    })
    assert response.status_code == 302 and AllocationOverride.objects.filter(unit__code="T02").exists()


# ------------------------------------------------------------------ rules: campaign-wide, admins only


def test_district_staff_read_but_cannot_change_a_rule(client, users, campaign):
    rule = AllocationRule.objects.get(campaign=campaign, block=Block.COMMUNE)
    client.force_login(users["district"])
    page = client.get(f"/admin/quotas/allocationrule/{rule.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read only
    response = client.post(f"/admin/quotas/allocationrule/{rule.pk}/change/", {
        "campaign": campaign.pk, "block": rule.block, "basis": rule.basis, "per_member": 9, "label": "đổi",
        "targets-TOTAL_FORMS": "0", "targets-INITIAL_FORMS": "0",
    })
    assert response.status_code == 403
    assert client.post("/admin/quotas/allocationrule/add/", {}).status_code == 403
    assert client.post(f"/admin/quotas/allocationrule/{rule.pk}/delete/", {"post": "yes"}).status_code == 403
    rule.refresh_from_db()
    assert rule.per_member != 9 and rule.label != "đổi"


def test_the_admin_changes_a_rule(client, users, campaign):
    rule = AllocationRule.objects.get(campaign=campaign, block=Block.COMMUNE)
    client.force_login(users["admin"])
    assert 'name="_save"' in client.get(f"/admin/quotas/allocationrule/{rule.pk}/change/").content.decode()
    response = client.post(f"/admin/quotas/allocationrule/{rule.pk}/change/", {
        "campaign": campaign.pk, "block": rule.block, "basis": rule.basis, "per_member": 0, "label": "Đã đổi nhãn",
        "targets-TOTAL_FORMS": "0", "targets-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.label == "Đã đổi nhãn"


# ------------------------------------------------------------------ Excel import


def _import_url(campaign):
    return f"/admin/quotas/campaign/{campaign.pk}/import-allocations/"


def _overrides(campaign):
    return sorted(AllocationOverride.objects.filter(phase__campaign=campaign).values_list("unit__code", "phase__number", "target"))


def _rules(campaign):
    return sorted(AllocationRule.objects.filter(campaign=campaign).values_list("block", "basis", "per_member"))


def test_import_for_another_provinces_unit_code_stores_nothing(client, users, campaign, tmp_path):
    before = _overrides(campaign)
    path = write_sheet(tmp_path / "t02.xlsx", rows=seed_rows(r5=["4.2", "CĐ Công ty TNHH điện Stanley Việt Nam", "750", "450", "300"]))
    client.force_login(users["district"])
    with open(path, "rb") as f:
        html = client.post(_import_url(campaign), {"file": f, "unit": "T02"}).content.decode()
    assert OUT_OF_SCOPE in html and "Lỗi — chưa ghi gì" in html and 'name="confirm"' not in html
    # Confirming anyway (a hand-made request) is refused the same way.
    with open(path, "rb") as f:
        token = sign_upload(f.read())
    html = client.post(_import_url(campaign), {"confirm": "1", "token": token, "unit": "T02"}).content.decode()
    assert OUT_OF_SCOPE in html
    assert _overrides(campaign) == before


def test_import_naming_another_provinces_union_stores_nothing(client, users, campaign, ha_giang_union, tmp_path):
    before = _overrides(campaign)
    rows = [list(r) for r in SEED_ROWS[:5]] + [
        ["4.2", "CĐ Công ty TNHH điện Stanley Việt Nam", "750", "450", "300"],
        ["4.3", "CĐ Công ty Xi măng Hà Giang", "90", "50", "40"],
    ]
    path = write_sheet(tmp_path / "lan.xlsx", rows=rows)
    client.force_login(users["district"])
    with open(path, "rb") as f:
        html = client.post(_import_url(campaign), {"file": f}).content.decode()
    assert "Xi măng Hà Giang" in html and OUT_OF_SCOPE in html and 'name="confirm"' not in html
    with open(path, "rb") as f:
        token = sign_upload(f.read())
    client.post(_import_url(campaign), {"confirm": "1", "token": token, "unit": ""})
    assert _overrides(campaign) == before  # not even Stanley's, in scope: all or nothing

    # The admin imports the same table.
    client.force_login(users["admin"])
    with open(path, "rb") as f:
        html = client.post(_import_url(campaign), {"file": f}).content.decode()
    assert OUT_OF_SCOPE not in html and 'name="confirm"' in html
    client.post(_import_url(campaign), {"confirm": "1", "token": token, "unit": ""})
    assert ("HG-XIMANG", 1, 50) in _overrides(campaign) and ("GLA-STANLEY", 1, 450) in _overrides(campaign)


def test_import_by_district_staff_cannot_change_a_campaign_wide_rule(client, users, campaign, tmp_path):
    before = _rules(campaign), _overrides(campaign)
    rows = seed_rows(r0=["1", "Khối xã, thị trấn", "04", "02", "02"])[:-1]  # no "Tổng cộng" row to disagree
    path = write_sheet(tmp_path / "quy-tac.xlsx", rows=rows)
    client.force_login(users["district"])
    with open(path, "rb") as f:
        html = client.post(_import_url(campaign), {"file": f, "unit": "GLA"}).content.decode()
    assert "chỉ quản trị hệ thống được thay đổi" in html and 'name="confirm"' not in html
    with open(path, "rb") as f:
        token = sign_upload(f.read())
    client.post(_import_url(campaign), {"confirm": "1", "token": token, "unit": "GLA"})
    assert (_rules(campaign), _overrides(campaign)) == before
    target = AllocationRule.objects.get(campaign=campaign, block=Block.COMMUNE).targets.get(phase__number=1)
    assert target.target == 1

    # The admin may.
    client.force_login(users["admin"])
    with open(path, "rb") as f:
        html = client.post(_import_url(campaign), {"file": f, "unit": "GLA"}).content.decode()
    assert 'name="confirm"' in html
    client.post(_import_url(campaign), {"confirm": "1", "token": token, "unit": "GLA"})
    target.refresh_from_db()
    assert target.target == 2


def test_staff_without_a_district_cannot_import(client, users, campaign, django_user_model):
    from django.contrib.auth.models import Group

    staff = django_user_model.objects.create_user("nhanvien", password="x", is_staff=True)
    staff.groups.add(Group.objects.get(name="Cán bộ LĐLĐ"))  # the rights, but no unit
    client.force_login(staff)
    assert client.get(_import_url(campaign)).status_code == 403


# ------------------------------------------------------------------ Excel download


def _download(client, campaign, unit=None):
    url = f"/admin/quotas/campaign/{campaign.pk}/allocations.xlsx"
    return client.get(url, {"unit": unit} if unit else {})


def test_download_needs_the_right_to_see_overrides(client, users, campaign, django_user_model):
    bare = django_user_model.objects.create_user("chiladmin", password="x", is_staff=True)
    client.force_login(bare)
    assert _download(client, campaign).status_code == 403
    assert _download(client, campaign, "T02").status_code == 403


def test_download_is_the_district_staffs_own_table(client, users, campaign):
    client.force_login(users["district"])
    own = _download(client, campaign)
    assert own.status_code == 200 and "phan-bo-GLA-" in own["Content-Disposition"]
    assert _download(client, campaign, "GLA-STANLEY").status_code == 200
    assert _download(client, campaign, "T02").status_code == 403
    assert _download(client, campaign, "TLD").status_code == 403


def test_the_admin_downloads_any_units_table(client, users, campaign):
    client.force_login(users["admin"])
    response = _download(client, campaign, "T02")
    assert response.status_code == 200 and "phan-bo-T02-" in response["Content-Disposition"]


def test_the_override_form_speaks_vietnamese_and_names_each_phases_campaign(client, users, campaign):
    """Each year's campaign has its "Giai đoạn 1": the list says whose, and the labels are
    Vietnamese (they were Django's English "Phase", "Unit" from the field names)."""
    client.force_login(users["district"])
    page = client.get("/admin/quotas/allocationoverride/add/").content.decode()
    assert re.search(r'<label[^>]*for="id_phase">Giai đoạn:</label>', page)
    assert re.search(r'<label[^>]*for="id_unit">Đơn vị:</label>', page)
    assert f">{campaign.name} — Giai đoạn 1</option>" in page
    assert ">Phase:<" not in page and ">Unit:<" not in page
