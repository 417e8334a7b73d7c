from django.core.management import call_command
from playwright.sync_api import expect


def test_home_page_shows_campaign_and_total_in_chromium(live_server, page, transactional_db):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("01 triệu sáng kiến")
    expect(page.get_by_test_id("target-total")).to_have_text("5.342")
    expect(page.get_by_test_id("target-phase-1")).to_have_text("2.771")
    expect(page.get_by_test_id("target-phase-2")).to_have_text("2.571")
