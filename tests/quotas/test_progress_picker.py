"""The progress page's "Đơn vị" select: it always holds the unit shown (selected), so that the
form never sends another one; it offers the way up, the units beside and the units under it,
in Vietnamese alphabetical order; and it stays one level's size, never the whole tree."""

import re
from html import unescape

import pytest

from quotas.models import Level, Membership, Role, Unit
from quotas.services import unit_upsert
from quotas.text import vietnamese_key

SELECT = re.compile(r'<select id="unit-select" name="unit"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')
GROUP = re.compile(r'<optgroup label="([^"]*)">(.*?)</optgroup>', re.S)


def options(html: str) -> list[tuple[str, bool, str]]:
    """(code, selected, name) of every option of the unit select."""
    found = SELECT.search(html)
    assert found, "no unit select on the page"
    return [(code, bool(selected), unescape(name)) for code, selected, name in OPTION.findall(found.group(1))]


def groups(html: str) -> dict[str, list[str]]:
    return {unescape(label): [unescape(n) for _c, _s, n in OPTION.findall(body)] for label, body in GROUP.findall(SELECT.search(html).group(1))}


def selected(html: str) -> list[str]:
    return [code for code, is_selected, _name in options(html) if is_selected]


def heading(html: str) -> str:
    return unescape(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))


@pytest.fixture
def admin(client, users):
    client.force_login(users["admin"])
    return client


def test_a_province_late_in_the_alphabet_is_selected_on_its_page(admin):
    html = admin.get("/progress/", {"unit": "T66"}).content.decode()
    assert "LĐLĐ tỉnh Đắk Lắk" in heading(html)
    assert selected(html) == ["T66"]
    codes = [code for code, _s, _n in options(html)]
    assert len(codes) == len(set(codes))  # each unit once
    assert "TLD" in codes  # the way up
    assert {"T01", "T75", "T87"} <= set(codes)  # the other provinces, beyond the old first fifty


def test_changing_the_phase_keeps_the_unit(admin):
    """What pressing "Xem" sends: the select's selected option with the other phase."""
    first = admin.get("/progress/", {"unit": "T66", "phase": "1"}).content.decode()
    sent = {"unit": selected(first)[0], "phase": "2"}
    assert sent["unit"] == "T66"
    second = admin.get("/progress/", sent).content.decode()
    assert "LĐLĐ tỉnh Đắk Lắk" in heading(second)
    assert selected(second) == ["T66"]
    assert re.search(r'<option value="2" selected>', second)


def test_every_unit_the_page_can_show_is_selected_on_its_own_page(admin):
    for unit in Unit.objects.exclude(level=Level.GRASSROOTS):
        html = admin.get("/progress/", {"unit": unit.code}).content.decode()
        assert selected(html) == [unit.code], unit.code


def test_options_are_in_vietnamese_alphabetical_order(admin):
    html = admin.get("/progress/", {"unit": "T66"}).content.decode()
    beside = groups(html)["Cùng cấp"]
    assert beside == sorted(beside, key=vietnamese_key)
    position = {name: i for i, name in enumerate(beside)}
    # D before Đ before E (Đ is a letter of its own, after D; not after Z as code points put it).
    assert position["LĐLĐ tỉnh Điện Biên"] < position["LĐLĐ tỉnh Đồng Nai"] < position["LĐLĐ tỉnh Gia Lai"]
    assert position["LĐLĐ tỉnh Bình Dương"] < position["LĐLĐ tỉnh Bình Định"] < position["LĐLĐ tỉnh Bình Phước"]
    assert position["LĐLĐ tỉnh Bình Định"] < position["LĐLĐ tỉnh Bình Thuận"]
    assert position["LĐLĐ tỉnh Đắk Lắk"] < position["LĐLĐ tỉnh Yên Bái"]
    assert beside[-1] == "LĐLĐ tỉnh Yên Bái"


def test_the_sort_key_orders_vietnamese_letters_and_tones():
    names = ["Đông", "Dung", "Ea Súp", "Dương", "Da", "Đa", "Ẩn", "Ăn", "An", "Bà", "Ba", "Bá", "Bả", "Bạ", "Bã"]
    assert sorted(names, key=vietnamese_key) == [
        "An", "Ăn", "Ẩn", "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ", "Da", "Dung", "Dương", "Đa", "Đông", "Ea Súp",
    ]
    # The generic head of a province's or a district's name does not decide its place.
    heads = ["LĐLĐ tỉnh Cà Mau", "LĐLĐ thành phố Cần Thơ", "LĐLĐ tỉnh Cao Bằng", "LĐLĐ Thành phố Hồ Chí Minh", "LĐLĐ tỉnh Hà Giang"]
    assert sorted(heads, key=vietnamese_key) == [
        "LĐLĐ tỉnh Cà Mau", "LĐLĐ tỉnh Cao Bằng", "LĐLĐ thành phố Cần Thơ", "LĐLĐ tỉnh Hà Giang", "LĐLĐ Thành phố Hồ Chí Minh",
    ]


def test_the_select_is_one_level_not_the_whole_tree(admin):
    """The nation: the provinces, no district, no union. A province: the way up, the other
    provinces and its districts. A district: its province and the districts beside it, none of
    its thousands of unions."""
    province = Unit.objects.get(code="T66")
    for i in range(5):
        unit_upsert(code=f"T66-D{i}", name=f"LĐLĐ huyện Thử {i}", level=Level.SUPERIOR, parent=province)
    provinces = Unit.objects.filter(level=Level.PROVINCE).count()
    above_grassroots = Unit.objects.exclude(level=Level.GRASSROOTS).count()

    nation = admin.get("/progress/", {"unit": "TLD"}).content.decode()
    assert selected(nation) == ["TLD"]
    assert len(options(nation)) == 1 + provinces
    assert not any(code.startswith("T66-D") or code == "GLA" for code, _s, _n in options(nation))

    html = admin.get("/progress/", {"unit": "T66"}).content.decode()
    found = groups(html)
    assert found["Cấp trên"] == ["Tổng Liên đoàn Lao động Việt Nam"]
    assert found["Đơn vị trực thuộc"] == [f"LĐLĐ huyện Thử {i}" for i in range(5)]
    assert len(options(html)) == 1 + provinces + 5 < above_grassroots
    assert "GLA" not in {code for code, _s, _n in options(html)}  # another province's district

    district = admin.get("/progress/", {"unit": "T66-D3"}).content.decode()
    assert selected(district) == ["T66-D3"]
    assert [code for code, _s, _n in options(district)] == ["TLD", "T66", "T66-D0", "T66-D1", "T66-D2", "T66-D3", "T66-D4"]
    # The breadcrumb leads up as well.
    assert 'href="?unit=T66' in district and 'href="?unit=TLD' in district


def test_a_district_with_many_unions_lists_none_of_them(admin):
    html = admin.get("/progress/", {"unit": "GLA"}).content.decode()
    assert selected(html) == ["GLA"]
    assert not any(Unit.objects.get(code=code).level == Level.GRASSROOTS for code, _s, _n in options(html))
    assert len(options(html)) < 10  # the nation, Hà Nội, Gia Lâm and its neighbours: not 282 unions


def test_staff_see_only_their_scope_and_every_unit_they_look_after(client, users):
    """District staff: their district alone (a hidden field, nothing above). Attached to a
    district of another province as well: both, whichever is shown."""
    client.force_login(users["district"])
    html = client.get("/progress/").content.decode()
    assert 'id="unit-select"' not in html and '<input type="hidden" name="unit" value="GLA">' in html
    other = unit_upsert(code="T66-D9", name="LĐLĐ huyện Ở Xa", level=Level.SUPERIOR, parent=Unit.objects.get(code="T66"))
    Membership.objects.create(user=users["district"], unit=other, role=Role.DISTRICT_STAFF)
    for shown in ("GLA", "T66-D9"):
        html = client.get("/progress/", {"unit": shown}).content.decode()
        assert selected(html) == [shown]
        assert {code for code, _s, _n in options(html)} == {"GLA", "T66-D9"}
    assert client.get("/progress/", {"unit": "T66"}).status_code == 404


def test_the_form_keeps_another_campaign(admin):
    from quotas.models import Campaign

    campaign = Campaign.objects.get(is_open=True)
    html = admin.get("/progress/", {"unit": "T66", "campaign": campaign.slug}).content.decode()
    assert f'<input type="hidden" name="campaign" value="{campaign.slug}">' in html
