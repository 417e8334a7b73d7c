import datetime as dt

from quotas.allocation import subtree_targets
from quotas.models import AllocationOverride, Campaign, ProgressCount, Unit


def test_admin_copies_a_campaign_with_shifted_dates_rules_and_overrides(client, users):
    client.force_login(users["admin"])
    source = Campaign.objects.get(slug="01-trieu-sang-kien-2022")
    page = client.post("/admin/quotas/campaign/", {"action": "copy_campaign", "_selected_action": [source.pk]})
    assert "Sao chép chương trình" in page.content.decode()
    response = client.post("/admin/quotas/campaign/", {
        "action": "copy_campaign", "_selected_action": [source.pk], "apply": "1",
        "slug": "sk-2030", "name": "Sáng kiến 2030", "years": "8", "months": "0", "days": "0",
    }, follow=True)
    assert "Đã tạo chương trình" in response.content.decode()
    copy = Campaign.objects.get(slug="sk-2030")
    assert copy.application_start == dt.date(2029, 9, 1) and copy.application_end == dt.date(2030, 9, 1)
    assert [(p.starts_on, p.ends_on) for p in copy.phases.order_by("number")] == [
        (dt.date(2029, 9, 1), dt.date(2030, 5, 31)), (dt.date(2030, 6, 1), dt.date(2031, 9, 30))]
    assert AllocationOverride.objects.filter(phase__campaign=copy).count() == 14
    assert subtree_targets(Unit.objects.get(code="GLA"), copy) == {1: 2771, 2: 2571}
    assert ProgressCount.objects.get(unit__code="GLA", phase__campaign=copy, phase__number=1).target == 2771


def test_copy_refuses_a_taken_slug(client, users):
    client.force_login(users["admin"])
    source = Campaign.objects.get(slug="01-trieu-sang-kien-2022")
    response = client.post("/admin/quotas/campaign/", {
        "action": "copy_campaign", "_selected_action": [source.pk], "apply": "1",
        "slug": source.slug, "name": "x", "years": "1", "months": "0", "days": "0",
    })
    assert "Đã có chương trình với mã này" in response.content.decode()


def test_district_staff_cannot_copy_a_campaign(client, users):
    """Copying creates a whole campaign: the district staff may read campaigns, not add them."""
    client.force_login(users["district"])
    source = Campaign.objects.get(slug="01-trieu-sang-kien-2022")
    assert "copy_campaign" not in client.get("/admin/quotas/campaign/").content.decode()
    client.post("/admin/quotas/campaign/", {
        "action": "copy_campaign", "_selected_action": [source.pk], "apply": "1",
        "slug": "sk-2030", "name": "Sáng kiến 2030", "years": "8", "months": "0", "days": "0",
    })
    assert not Campaign.objects.filter(slug="sk-2030").exists()


def test_changing_an_override_in_admin_refreshes_the_targets(client, users, django_capture_on_commit_callbacks):
    client.force_login(users["admin"])
    campaign = Campaign.objects.get(is_open=True)
    override = AllocationOverride.objects.get(unit__code="GLA-STANLEY", phase__campaign=campaign, phase__number=1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/quotas/allocationoverride/{override.pk}/change/", {
            "phase": override.phase_id, "unit": override.unit_id, "target": 450,
        })
    assert ProgressCount.objects.get(unit__code="GLA", phase=override.phase).target == 2771 + 50


def test_admin_upload_previews_then_applies_an_allocation_table(client, users, tmp_path):
    from tests.quotas.excel_helpers import seed_rows, write_sheet

    client.force_login(users["district"])
    campaign = Campaign.objects.get(is_open=True)
    rows = seed_rows(r5=["4.2", "CĐ Công ty TNHH điện Stanley Việt Nam", "750", "450", "300"],
                     r12=[None, "Tổng cộng", "5.392", "2.821", "2.571"])
    path = write_sheet(tmp_path / "phan-bo.xlsx", rows=rows)
    url = f"/admin/quotas/campaign/{campaign.pk}/import-allocations/"
    with open(path, "rb") as f:
        preview = client.post(url, {"file": f, "unit": "GLA"})
    html = preview.content.decode()
    assert preview.status_code == 200 and "Xem trước" in html and "Stanley" in html
    stanley = AllocationOverride.objects.get(unit__code="GLA-STANLEY", phase__campaign=campaign, phase__number=1)
    assert stanley.target == 400  # nothing written yet
    token = html.split('name="token" value="')[1].split('"')[0]
    client.post(url, {"confirm": "1", "token": token, "unit": "GLA"})
    stanley.refresh_from_db()
    assert stanley.target == 450
    assert ProgressCount.objects.get(unit__code="GLA", phase=stanley.phase).target == 2821


def test_admin_upload_with_an_error_writes_nothing(client, users, tmp_path):
    from tests.quotas.excel_helpers import seed_rows, write_sheet

    client.force_login(users["district"])
    campaign = Campaign.objects.get(is_open=True)
    path = write_sheet(tmp_path / "sai.xlsx", rows=seed_rows(r5=["4.2", "CĐ Công ty không có thật", "700", "400", "300"]))
    with open(path, "rb") as f:
        html = client.post(f"/admin/quotas/campaign/{campaign.pk}/import-allocations/", {"file": f}).content.decode()
    assert "Lỗi — chưa ghi gì" in html and "Công ty không có thật" in html and 'name="confirm"' not in html


def test_only_staff_with_allocation_rights_import(client, users):
    campaign = Campaign.objects.get(is_open=True)
    client.force_login(users["reviewer"])
    assert client.get(f"/admin/quotas/campaign/{campaign.pk}/import-allocations/").status_code == 302  # not staff


def _targets(campaign):
    return {
        (pc.unit_id, pc.phase_id): pc.target
        for pc in ProgressCount.objects.filter(phase__campaign=campaign)
        if pc.target
    }


def test_editing_a_school_moves_only_its_lineage_and_matches_a_rebuild(client, users, django_capture_on_commit_callbacks):
    from quotas import progress

    client.force_login(users["admin"])
    school = Unit.objects.get(code="GLA-TH-01")
    campaign = Campaign.objects.get(is_open=True)
    data = {
        "code": school.code, "name": school.name, "level": school.level, "block": school.block,
        "member_count": school.member_count + 9,
        "treebeard_position": "right",
        "treebeard_ref_node": Unit.objects.get_prev_sibling(school).pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/quotas/unit/{school.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    gla = ProgressCount.objects.get(unit__code="GLA", phase__campaign=campaign, phase__number=1)
    assert gla.target == 2771 + 5 and ProgressCount.objects.get(unit__code="GLA", phase=gla.phase.campaign.phases.get(number=2)).target == 2571 + 4
    maintained = _targets(campaign)
    progress.rebuild(campaign)
    assert _targets(campaign) == maintained


def test_an_override_edit_moves_only_its_lineage(client, users, django_capture_on_commit_callbacks):
    from quotas import progress

    client.force_login(users["admin"])
    campaign = Campaign.objects.get(is_open=True)
    override = AllocationOverride.objects.get(unit__code="GLA-LIXIL", phase__campaign=campaign, phase__number=2)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/quotas/allocationoverride/{override.pk}/change/", {
            "phase": override.phase_id, "unit": override.unit_id, "target": 250,
        })
    assert ProgressCount.objects.get(unit__code="TLD", phase=override.phase).target == 2571 - 50
    maintained = _targets(campaign)
    progress.rebuild(campaign)
    assert _targets(campaign) == maintained


def test_an_admin_rebuild_waits_for_the_commit_and_tells_the_admin(rf, users, settings, django_capture_on_commit_callbacks):
    from django.contrib.messages.storage.fallback import FallbackStorage

    from quotas.admin import rebuild_later

    settings.PROGRESS_REBUILD_IN_BACKGROUND = True
    request = rf.post("/admin/quotas/allocationrule/1/change/")
    request.session = {}
    request._messages = FallbackStorage(request)
    campaign = Campaign.objects.get(is_open=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rebuild_later(campaign, request)
    assert len(callbacks) == 1  # nothing starts before the admin's change is committed
    [message] = [str(m) for m in request._messages]
    assert message == f"Chỉ tiêu và tiến độ của “{campaign.name}” đang được tính lại; các trang tiến độ cập nhật sau ít giây."
