"""QR codes and posters that lead members to their unit's submission form."""

import re
import struct
import zlib

import pytest
import segno
from django.contrib.auth import get_user_model

from quotas.models import Level, Unit
from quotas.selectors import current_campaign

URL = "http://testserver/submit/?unit=GLA-STANLEY"
BORDER = 4
# Session, user, memberships, unit, campaign (+ its phases, cold cache), subtree: none per unit.
QUERIES = 7  # with a cold cache: the current campaign and its phases are read once, then cached


def expected_modules(url):
    """The dark modules (row, column) of the QR code an independent encoding of `url` gives
    (segno has no decoder; equal modules mean a scanner reads the same text)."""
    matrix = segno.make_qr(url, error="m", boost_error=False).matrix
    return {(r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}


def png_modules(data, size):
    """Read a 1-bit greyscale PNG (as segno writes it) of a `size`-module code back into its
    dark modules, sampling the centre pixel of each module."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunks[kind] = chunks.get(kind, b"") + data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, depth, colour) == (height, 1, 0)
    raw, stride = zlib.decompress(chunks[b"IDAT"]), (width + 7) // 8 + 1  # filter byte + bits
    rows, line = [], bytes(stride - 1)
    for y in range(height):
        filter_type, scan = raw[y * stride], raw[y * stride + 1 : (y + 1) * stride]
        assert filter_type in (0, 2)  # None, or Up (repeat the row above): all segno writes
        line = scan if filter_type == 0 else bytes((a + b) & 0xFF for a, b in zip(scan, line))
        rows.append([not line[x // 8] >> (7 - x % 8) & 1 for x in range(width)])  # bit 0 = black
    scale, remainder = divmod(width, size + 2 * BORDER)
    assert remainder == 0 and scale >= 4

    def centre(i):
        return (BORDER + i) * scale + scale // 2

    return {(r, c) for r in range(size) for c in range(size) if rows[centre(r)][centre(c)]}


def svg_modules(svg):
    """Follow segno's path of dark runs ("M4 4.5h7m1 0h3…", one unit per module)."""
    path = re.search(r'<path class="qrline"[^>]* d="([^"]+)"', svg).group(1)
    x = y = 0.0
    dark = set()
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(y) - BORDER, int(x) + i - BORDER) for i in range(int(a))}
            x += float(a)
    return dark


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))


def test_the_svg_encodes_the_units_submission_address(client, demo):
    response = client.get("/units/GLA-STANLEY/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    svg = response.content.decode()
    assert svg.startswith("<svg") and "viewBox=" in svg  # inlinable, and scalable:
    assert " width=" not in svg and " height=" not in svg
    assert svg_modules(svg) == expected_modules(URL)


def test_the_png_encodes_the_units_submission_address(client, demo):
    response = client.get("/units/GLA-STANLEY/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "max-age=86400" in response["Cache-Control"]
    size = segno.make_qr(URL, error="m", boost_error=False).symbol_size(border=0)[0]
    assert png_modules(response.content, size) == expected_modules(URL)


@pytest.mark.parametrize("path", ["qr.svg", "qr.png", "poster/"])
@pytest.mark.parametrize("code", ["NOPE", "GLA"])  # unknown; a district, not a grassroots union
def test_only_a_grassroots_union_has_a_code_and_poster(client, demo, code, path):
    assert client.get(f"/units/{code}/{path}").status_code == 404


def test_the_poster_shows_campaign_unit_code_address_and_steps(client, demo):
    response = client.get("/units/GLA-STANLEY/poster/")
    assert response.status_code == 200
    html = response.content.decode()
    stanley = Unit.objects.get(code="GLA-STANLEY")
    assert stanley.name in html
    assert current_campaign().name in html
    assert URL in html
    assert "camera điện thoại" in html and "Zalo" in html
    assert "tối đa 2.000 ký tự" in html and "mã tra cứu" in html
    assert svg_modules(html) == expected_modules(URL)  # the inline QR code
    assert 'href="/units/GLA-STANLEY/qr.svg"' in html and 'href="/units/GLA-STANLEY/qr.png"' in html
    assert "css/poster.css" in html
    assert "<script" not in html and "<style" not in html and " onclick=" not in html


def test_posters_download_asks_an_anonymous_visitor_to_log_in(client, demo):
    response = client.get("/units/GLA/posters.html")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_posters_download_is_hidden_outside_the_staffs_district(client, demo):
    login(client, "canbo")  # an officer of one enterprise, not district staff
    assert client.get("/units/GLA/posters.html").status_code == 404
    assert client.get("/units/GLA-STANLEY/posters.html").status_code == 404


def test_posters_download_holds_one_page_per_grassroots_union(client, demo):
    login(client, "ldld")
    response = client.get("/units/GLA/posters.html")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ap-phich-GLA.html"'
    html = response.content.decode()
    district = Unit.objects.get(code="GLA")
    grassroots = Unit.objects.filter(path__startswith=district.path, level=Level.GRASSROOTS)
    assert grassroots.count() > 200
    assert html.count('<section class="poster"') == grassroots.count()
    assert "break-after: page" in html and "@page" in html  # its stylesheet travels with it
    assert not re.search(r'<(link|script|img)\b|src="|url\(', html)  # prints offline
    assert URL in html


@pytest.mark.parametrize("code", ["GLA-STANLEY", "GLA"])  # one union; the district's 282
def test_posters_download_queries_do_not_grow_with_the_unions(
    client, demo, django_assert_max_num_queries, code
):
    login(client, "ldld")
    with django_assert_max_num_queries(QUERIES):
        response = client.get(f"/units/{code}/posters.html")
    unit = Unit.objects.get(code=code)
    grassroots = Unit.objects.filter(path__startswith=unit.path, level=Level.GRASSROOTS)
    assert response.content.decode().count('<section class="poster"') == grassroots.count()


def test_an_admin_may_download_any_units_posters(client, demo):
    login(client, "quantri")
    response = client.get("/units/GLA/posters.html")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
