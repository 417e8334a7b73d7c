from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import phone


def test_home_page_shows_campaign_and_total_in_chromium(live_server, page, transactional_db):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("01 triệu sáng kiến")
    expect(page.get_by_test_id("target-total")).to_have_text("5.342")
    expect(page.get_by_test_id("target-phase-1")).to_have_text("2.771")
    expect(page.get_by_test_id("target-phase-2")).to_have_text("2.571")


@phone
def test_the_home_page_fits_a_phone_without_sideways_scrolling(site, page):
    """The targets table's headings wrap rather than push the page wider than the screen."""
    page.goto(site.url + "/")
    expect(page.get_by_test_id("target-total")).to_have_text("5.342")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px screen"
    box = page.get_by_role("columnheader", name="Được công nhận").first.bounding_box()
    assert box["x"] + box["width"] <= 360  # the last column is on the screen, not cut off
