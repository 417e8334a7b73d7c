"""The progress page's links to other units keep what the reader chose (a past campaign, the
lagging units filter, the phase), and its table lists units in Vietnamese alphabetical order."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from quotas.models import Block, Campaign, Level, Membership, Role, Unit
from quotas.services import unit_upsert

PAST = "01-trieu-sang-kien-2022"
TABLE = re.compile(r'<table class="table table-sm table-bordered align-middle progress-table">(.*?)</table>', re.S)
BREADCRUMB = re.compile(r'<ol class="breadcrumb[^"]*">(.*?)</ol>', re.S)
HREF = re.compile(r'href="([^"]*)"')
ROW_NAME = re.compile(r'<th scope="row" class="fw-normal">(?:<a href="[^"]*">)?([^<]*)')


def hrefs(pattern, html: str) -> list[str]:
    found = pattern.search(html)
    return [unescape(h) for h in HREF.findall(found.group(1))] if found else []


def query(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def names(html: str) -> list[str]:
    return [unescape(n) for n in ROW_NAME.findall(TABLE.search(html).group(1))]


@pytest.fixture
def staff(client, users):
    """The demo's district staff, looking after Hà Nội as well as Gia Lâm: a table of units
    above grassroots level, with links into them."""
    Membership.objects.create(user=users["district"], unit=Unit.objects.get(code="T01"), role=Role.DISTRICT_STAFF)
    client.force_login(users["district"])
    return client


def test_every_link_to_another_unit_keeps_a_past_campaign(staff):
    past = Campaign.objects.get(slug=PAST)
    assert not past.is_open  # not the campaign the page shows by default
    html = staff.get("/progress/", {"unit": "T01", "campaign": PAST}).content.decode()
    down = hrefs(TABLE, html)
    assert down, "no unit link in Hà Nội's table"
    for href in down:
        assert query(href)["campaign"] == [PAST], href
    assert [query(h)["unit"] for h in down] == [["GLA"]]

    followed = staff.get("/progress/" + down[0])
    assert followed.status_code == 200
    assert followed.context["unit"].code == "GLA" and followed.context["campaign"] == past
    page = followed.content.decode()
    assert f'<p class="text-body-secondary">{past.name}</p>' in page
    # The way back up keeps it…
    up = hrefs(BREADCRUMB, page)
    assert up and all(query(h)["campaign"] == [PAST] for h in up), up
    back = staff.get("/progress/" + up[-1])
    assert back.context["unit"].code == "T01" and back.context["campaign"] == past
    # …so do the Excel file (which takes nothing else), the table's pages…
    export = re.search(r'href="(/progress/export\.xlsx[^"]*)"', page).group(1)
    assert query(unescape(export)) == {"unit": ["GLA"], "campaign": [PAST]}
    pages = [unescape(h) for h in re.findall(r'href="(\?[^"]*page=\d+)"', page)]
    assert pages and all(query(h)["campaign"] == [PAST] and query(h)["unit"] == ["GLA"] for h in pages)
    # …and the unit picker: what pressing "Xem" after picking Hà Nội sends.
    form = re.search(r'<form method="get"[^>]*>(.*?)</form>', page, re.S).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    assert hidden.get("campaign") == PAST
    assert '<option value="T01">' in form
    picked = staff.get("/progress/", {**hidden, "unit": "T01", "phase": "1"})
    assert picked.context["unit"].code == "T01" and picked.context["campaign"] == past

    # Without a campaign chosen, the links name none: they stay on the current one.
    current = staff.get("/progress/", {"unit": "T01"}).content.decode()
    down = hrefs(TABLE, current)
    assert down and all("campaign" not in query(h) for h in down)
    assert staff.get("/progress/" + down[0]).context["campaign"] == Campaign.objects.get(is_open=True)


def test_drilling_down_keeps_the_lagging_filter(staff):
    """In the 2022 campaign both phases are over: every unit short of its target lags."""
    html = staff.get("/progress/", {"unit": "T01", "campaign": PAST, "lagging": "1", "phase": "2"}).content.decode()
    down = hrefs(TABLE, html)
    assert down, "Gia Lâm is not among Hà Nội's lagging units"
    for href in down:
        assert query(href) == {"unit": ["GLA"], "phase": ["2"], "campaign": [PAST], "lagging": ["1"]}, href
    followed = staff.get("/progress/" + down[0])
    assert followed.context["only_lagging"] and followed.context["campaign"].slug == PAST
    assert followed.context["phase"].number == 2
    page = followed.content.decode()
    assert 'id="lagging-only" checked' in page
    assert followed.context["table_page"].paginator.count == followed.context["lagging_count"] > 100
    # The table's pages and the way up keep the filter as well; the Excel file takes only the
    # unit and the campaign.
    pages = [unescape(h) for h in re.findall(r'href="(\?[^"]*page=\d+)"', page)]
    assert pages and all(query(h)["lagging"] == ["1"] and query(h)["campaign"] == [PAST] for h in pages)
    up = hrefs(BREADCRUMB, page)
    assert up and all(query(h)["lagging"] == ["1"] for h in up)
    export = re.search(r'href="(/progress/export\.xlsx[^"]*)"', page).group(1)
    assert query(unescape(export)) == {"unit": ["GLA"], "campaign": [PAST]}


def test_unit_codes_in_links_are_encoded(staff):
    province = Unit.objects.get(code="T01")
    unit_upsert(code="T01-A&B=1", name="LĐLĐ quận Thử", level=Level.SUPERIOR, parent=province)
    html = staff.get("/progress/", {"unit": "T01", "campaign": PAST}).content.decode()
    down = {query(h)["unit"][0]: h for h in hrefs(TABLE, html)}
    assert set(down) == {"GLA", "T01-A&B=1"}
    assert query(down["T01-A&B=1"])["campaign"] == [PAST]
    assert staff.get("/progress/" + down["T01-A&B=1"]).context["unit"].code == "T01-A&B=1"


PLACES = ["Dĩ An", "Đống Đa", "Dương Kinh", "Eo Gió"]
IN_ORDER = ["Dĩ An", "Dương Kinh", "Đống Đa", "Eo Gió"]  # Đ after D, before E


def test_a_districts_unions_are_in_vietnamese_order(staff):
    district = unit_upsert(code="T01-VN", name="LĐLĐ huyện Thử", level=Level.SUPERIOR, parent=Unit.objects.get(code="T01"))
    for i, place in enumerate(PLACES):
        unit_upsert(code=f"T01-VN-{i}", name=f"{place} {i}", level=Level.GRASSROOTS, block=Block.ENTERPRISE, parent=district)
    html = staff.get("/progress/", {"unit": "T01-VN"}).content.decode()
    assert names(html) == [f"{place} {PLACES.index(place)}" for place in IN_ORDER]


def test_a_provinces_districts_are_in_vietnamese_order_by_place_name(staff):
    """Above the district, by place name: "LĐLĐ quận Đống Đa" under Đ, after "LĐLĐ huyện Dương Kinh"."""
    province = Unit.objects.get(code="T01")
    heads = ["LĐLĐ thị xã", "LĐLĐ quận", "LĐLĐ huyện", "LĐLĐ huyện"]
    for i, (head, place) in enumerate(zip(heads, PLACES, strict=True)):
        unit_upsert(code=f"T01-Q{i}", name=f"{head} {place}", level=Level.SUPERIOR, parent=province)
    html = staff.get("/progress/", {"unit": "T01"}).content.decode()
    by_place = dict(zip(PLACES, heads, strict=True))
    assert names(html) == [f"{by_place[p]} {p}" for p in IN_ORDER[:3]] + ["LĐLĐ huyện Eo Gió", "LĐLĐ huyện Gia Lâm"]


def test_the_home_rankings_ties_are_in_vietnamese_order(demo):
    """Early in a phase most unions are tied at 0 %: the home page lists them Đ after D, before E
    (by code point, "Đ" came after "Z")."""
    from quotas import progress
    from quotas.selectors import home_summary

    district, campaign = Unit.objects.get(code="GLA"), Campaign.objects.get(is_open=True)
    for i, place in enumerate(["Eo Gió", "Đá Bạc", "Dương Xá"]):
        union = unit_upsert(code=f"GLA-VN-{i}", name=f"CĐ {place}", level=Level.GRASSROOTS, block=Block.ENTERPRISE,
                            parent=district, member_count=100)
        progress.retarget(unit=union, campaign=campaign)  # as the admin does for a new union
    ranked = [row.unit.name for row in home_summary(ranking_size=1000)["ranking"]]
    ours = [name for name in ranked if name in {"CĐ Eo Gió", "CĐ Đá Bạc", "CĐ Dương Xá"}]
    assert ours == ["CĐ Dương Xá", "CĐ Đá Bạc", "CĐ Eo Gió"]
