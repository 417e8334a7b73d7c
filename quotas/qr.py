"""QR codes that open a unit's submission form (the seed's step 1, option 3: members scan the
code with the phone camera or Zalo). segno is pure Python: SVG and PNG without Pillow."""

import io
from urllib.parse import urlencode

import segno

QR_OPTIONS = {"border": 4, "dark": "#000", "light": "#fff"}


def submit_url(request, unit) -> str:
    """The absolute address of the form, preselecting `unit`. Absolute because a phone that
    scans a printed poster knows nothing of the site it came from."""
    return request.build_absolute_uri("/submit/") + "?" + urlencode({"unit": unit.code})


def _qr(url: str) -> segno.QRCode:
    # Never a Micro QR (many phone cameras and Zalo cannot read one), and exactly level M:
    # ~15 % of the modules may be lost to a crease or a smudge on a printed poster.
    return segno.make_qr(url, error="m", boost_error=False)


def qr_svg(url: str) -> bytes:
    """A scalable SVG (a viewBox, no width/height) without an XML declaration, so the same
    bytes serve as a file and inline in HTML. The white background keeps it readable on a
    dark page or chat theme."""
    out = io.BytesIO()
    _qr(url).save(out, kind="svg", xmldecl=False, omitsize=True, nl=False, **QR_OPTIONS)
    return out.getvalue()


def qr_png(url: str, scale: int = 20) -> bytes:
    """A PNG of `scale` pixels per module: large enough to print sharply on an A4 poster."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=scale, **QR_OPTIONS)
    return out.getvalue()
