"""The submission form is opened on cheap phones over slow mobile data: keep it light, and
load nothing from anywhere but the portal itself (no CDN: the portal works offline)."""

import gzip
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.browser.conftest import phone, submit_button

BUDGET = 150 * 1024
TEXT_TYPES = ("text/html", "text/css", "javascript", "json", "image/svg+xml", "text/plain")


def wire_size(content_type: str, body: bytes) -> int:
    """Bytes as production serves them: whitenoise compresses text; images and fonts go as they are.
    (The test server sends everything uncompressed, so compress here at the strongest gzip level.)"""
    if any(t in content_type for t in TEXT_TYPES):
        return len(gzip.compress(body, 9))
    return len(body)


@phone
def test_submission_form_weighs_at_most_150_kb_and_stays_on_the_portal(site, page: Page):
    requests, responses = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("response", lambda response: responses.append(response))

    page.goto(site.url + "/submit/", wait_until="networkidle")
    expect(submit_button(page)).to_be_visible()

    host = urlsplit(site.url).netloc
    elsewhere = [url for url in requests if urlsplit(url).scheme in ("http", "https", "ws", "wss")
                 and urlsplit(url).netloc != host]
    assert not elsewhere, f"requests leave the portal ({host}): {elsewhere}"

    rows, total = [], 0
    for response in responses:
        if 300 <= response.status < 400:  # a redirect has no body of its own
            continue
        content_type = response.headers.get("content-type", "")
        body = response.body()
        size = wire_size(content_type, body)
        total += size
        rows.append((size, len(body), response.status, content_type.split(";")[0], urlsplit(response.url).path))

    report = "\n".join(
        [f"{'wire':>8} {'raw':>8}  status  type                      path"]
        + [f"{s:>8} {r:>8}  {st:>6}  {t:<25} {p}" for s, r, st, t, p in sorted(rows, reverse=True)]
        + [f"{total:>8} bytes in total, budget {BUDGET} bytes"]
    )
    print(report)
    assert any(path == "/submit/" for *_, path in rows), report
    assert any(t == "text/css" for *_, t, _p in rows), report  # the styles were counted
    assert total <= BUDGET, report
