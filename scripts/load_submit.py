#!/usr/bin/env python3
"""Load test of the public submission form: N concurrent clients post valid submissions,
each with a small PDF, to a running server, then (--verify) the database and the storage
are checked against what the clients were told.

    # the server under test, with rate limits off (they would stop one address at 20/h):
    RATELIMIT_ENABLE=false SECURE_SSL_REDIRECT=false ... gunicorn -c deploy/gunicorn.conf.py portal.wsgi
    # the load, from another shell, with the same DATABASE_URL and MEDIA_ROOT for --verify:
    .venv/bin/python scripts/load_submit.py --url http://127.0.0.1:8000 --clients 16 --seconds 60 --verify

Only the standard library is used for the load (threads and http.client); --verify needs the
project's virtualenv, because it reads the database through Django's ORM (DATABASE_URL, and
MEDIA_ROOT or the configured storage, exactly as the server has them).

Each client GETs /submit/ once for the CSRF cookie and token, then posts submissions; a
success is a 302 to /submit/done/, which the client follows (unless --no-follow) to read the
tracking code it was given. Every submission carries a phone number (09xxxxxxxx) and an ID
number of its own, and its title starts with "[tai-thu RUN]" so that --verify finds exactly
the rows of this run. Run it against a test or staging copy, never against production data.

Exit status: 0 when every post was stored and (with --verify) every check passed, else 1.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import ipaddress
import itertools
import os
import random
import re
import socket
import ssl
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TITLE_TAG = "[tai-thu {run}]"
CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
TOKEN = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrfmiddlewaretoken"')
# What the form says is wrong: the alert box at its top and each field's own message.
ERROR_TEXT = re.compile(
    r'<div[^>]*class="[^"]*alert-danger[^"]*"[^>]*>(.*?)</div>'
    r'|<(?:div|span|p|li)[^>]*class="[^"]*(?:invalid-feedback|errorlist)[^"]*"[^>]*>(.*?)</(?:div|span|p|li)>',
    re.S,
)


# ---------------------------------------------------------------- what is posted


def programme_dates(today: dt.date | None = None, start: dt.date | None = None) -> tuple[str, str]:
    """Decision and application dates inside a campaign's window that starts on `start` — by
    default the demo's open campaign, whose window starts on 01/09 of the programme year that
    contains today (load_demo) —, a few days after it and never in the future. Override with
    --decision-date / --applied-on for other data."""
    today = today or dt.date.today()
    if start is None:
        start = dt.date(today.year if (today.month, today.day) >= (9, 1) else today.year - 1, 9, 1)
    decided = min(start + dt.timedelta(days=3), today)
    applied = min(start + dt.timedelta(days=5), today)
    return decided.strftime("%d/%m/%Y"), applied.strftime("%d/%m/%Y")


def small_pdf(label: str) -> bytes:
    """A tiny PDF (the server checks the content starts with %PDF-), different for each post."""
    return (
        b"%PDF-1.4\n%" + label.encode() + b"\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


@dataclass
class Form:
    run: str
    unit: str = "GLA-STANLEY"
    province: str = "T01"
    superior: str = "GLA"
    decision_date: str = ""
    applied_on: str = ""
    phone_base: int = field(default_factory=lambda: random.randrange(10**8))
    id_base: int = field(default_factory=lambda: random.randrange(10**9))
    # Many workplaces, as in a real surge: (province, superior, unit) codes, taken in turn.
    workplaces: list[tuple[str, str, str]] = field(default_factory=list)

    def fields(self, n: int) -> list[tuple[str, str]]:
        decided, applied = programme_dates()
        province, superior, unit = (
            self.workplaces[n % len(self.workplaces)] if self.workplaces else (self.province, self.superior, self.unit)
        )
        return [
            ("full_name", "Nguyễn Văn Tải"),
            ("phone", f"09{(self.phone_base + n) % 10**8:08d}"),  # one number per submission
            ("id_number", f"001{(self.id_base + n) % 10**9:09d}"),
            ("email", ""),
            ("sector", "enterprise"),
            ("province", province),
            ("superior", superior),
            ("unit", unit),
            ("unit_query", ""),
            ("workplace", "Phân xưởng 2"),
            ("target_group", "worker"),
            ("title", f"{TITLE_TAG.format(run=self.run)} Cải tiến đồ gá lắp ráp số {n}"),
            ("solution_type", "technical"),
            ("description", "Hiện trạng, giải pháp và kết quả áp dụng (dữ liệu tải thử)."),
            ("benefit_value", "5.000.000"),
            ("co_authors", ""),
            ("recognised_by", "council"),
            ("decision_number", f"{n}/QĐ-SK"),
            ("decision_date", self.decision_date or decided),
            ("applied_on", self.applied_on or applied),
            ("drive_link", ""),
            ("not_ip_protected", "on"),
            ("consent", "on"),
            ("website", ""),  # the honeypot, left empty as a person leaves it
        ]


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "----csk" + uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, content_type, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------- one client


class Client:
    """One browser-like visitor: its own cookies, a fresh connection per request (so a
    request is never sent twice on a connection the server has closed)."""

    def __init__(self, base: str, *, timeout: float, insecure: bool):
        parts = urlsplit(base)
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.context = ssl._create_unverified_context() if insecure else ssl.create_default_context()
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        if self.scheme == "https":
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.context)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            sent = {"Connection": "close", "User-Agent": "congsangkien-load-submit/1", **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, self.prefix + path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, data
        finally:
            conn.close()

    def get_form(self) -> None:
        status, _headers, body = self.request("GET", "/submit/")
        if status != 200:
            raise RuntimeError(f"GET /submit/ answered {status}")
        match = TOKEN.search(body.decode("utf-8", "replace"))
        if match is None or "csrftoken" not in self.cookies:
            raise RuntimeError("GET /submit/ gave no CSRF token (is the campaign open?)")
        self.token = match.group(1) or match.group(2)

    def submit(self, fields: list[tuple[str, str]], pdf: bytes):
        body, content_type = multipart(
            [("csrfmiddlewaretoken", self.token), *fields], [("files", "bao-cao.pdf", "application/pdf", pdf)]
        )
        return self.request(
            "POST",
            "/submit/",
            body,
            {"Content-Type": content_type, "Origin": self.origin, "Referer": f"{self.origin}{self.prefix}/submit/"},
        )


# ---------------------------------------------------------------- the run


def percentile_ms(latencies: list[float], p: float) -> float:
    """The p-th share (0–1, nearest rank) of latencies in seconds, in milliseconds."""
    lat = sorted(latencies)
    return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0.0


@dataclass
class Result:
    run: str
    url: str
    clients: int
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    attempts: int = 0
    ok: int = 0
    codes: list[str] = field(default_factory=list)
    errors: collections.Counter = field(default_factory=collections.Counter)
    samples: dict[str, str] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return ((self.finished_at or dt.datetime.now(dt.timezone.utc)) - self.started_at).total_seconds()

    def summary(self) -> str:
        def pct(p):
            return percentile_ms(self.latencies, p)

        lines = [
            f"run {self.run}: {self.clients} clients, {self.seconds:.1f} s, {self.url}",
            f"submissions: {self.attempts} posted, {self.ok} stored (302 → /submit/done/), "
            f"{self.attempts - self.ok} failed",
            f"throughput: {self.ok / self.seconds if self.seconds else 0:.2f} submissions/s",
            f"POST latency ms: p50 {pct(0.50):.0f}, p95 {pct(0.95):.0f}, max {pct(1.0):.0f}",
        ]
        if self.errors:
            lines.append("errors:")
            for kind, count in self.errors.most_common():
                sample = self.samples.get(kind)
                lines.append(f"  {count:6d}  {kind}" + (f" — {sample}" if sample else ""))
        else:
            lines.append("errors: none")
        hints = {
            "HTTP 429": "rate limited: start the server with RATELIMIT_ENABLE=false for a load test",
            "HTTP 301": "redirected to https: use the https URL, or SECURE_SSL_REDIRECT=false on a plain-HTTP test server",
            "HTTP 403": "CSRF refused: is the URL's host in ALLOWED_HOSTS / CSRF_TRUSTED_ORIGINS?",
            "HTTP 503": "the database was unavailable or busy (SQLite under concurrent writes?)",
        }
        for prefix, hint in hints.items():
            if any(kind.startswith(prefix) for kind in self.errors):
                lines.append(f"hint: {hint}")
        return "\n".join(lines)


def _error_text(body: bytes) -> str:
    found = ERROR_TEXT.findall(body.decode("utf-8", "replace"))
    texts = [" ".join(unescape(re.sub(r"<[^>]+>", " ", a or b)).split()) for a, b in found]
    return " | ".join(dict.fromkeys(t for t in texts if t))[:400]


def run_load(
    url: str,
    *,
    clients: int = 16,
    seconds: float | None = None,
    total: int | None = None,
    form: Form | None = None,
    follow: bool = True,
    timeout: float = 60.0,
    insecure: bool = False,
    progress=None,
) -> Result:
    """Run the load and return what the clients saw. Stops after `seconds` or `total` posts,
    whichever comes first (one of them is required)."""
    if seconds is None and total is None:
        raise ValueError("give seconds or total")
    form = form or Form(run=uuid.uuid4().hex[:8])
    result = Result(run=form.run, url=url, clients=clients, started_at=dt.datetime.now(dt.timezone.utc))
    lock = threading.Lock()
    numbers = itertools.count(1)
    deadline = time.monotonic() + seconds if seconds is not None else None

    def take() -> int | None:
        with lock:
            if deadline is not None and time.monotonic() >= deadline:
                return None
            if total is not None and result.attempts >= total:
                return None
            result.attempts += 1
            return next(numbers)

    def failed(kind: str, sample: str = "") -> None:
        with lock:
            result.errors[kind] += 1
            if sample and kind not in result.samples:
                result.samples[kind] = sample

    def worker() -> None:
        client = Client(url, timeout=timeout, insecure=insecure)
        try:
            client.get_form()
        except Exception as error:  # noqa: BLE001 - reported, the client gives up
            failed(f"GET /submit/: {type(error).__name__}", str(error)[:200])
            return
        while (n := take()) is not None:
            began = time.monotonic()
            try:
                status, headers, body = client.submit(form.fields(n), small_pdf(f"{form.run}-{n}"))
            except (OSError, http.client.HTTPException) as error:
                # Not retried: the server may have stored it, and a retry would post it twice.
                failed(f"POST {type(error).__name__}", str(error)[:200])
                continue
            finally:
                elapsed = time.monotonic() - began
                with lock:
                    result.latencies.append(elapsed)
            location = urlsplit(headers.get("Location", "")).path
            if status == 302 and location.endswith("/submit/done/"):
                code = None
                if follow:
                    try:
                        done_status, _h, done = client.request("GET", "/submit/done/")
                        found = CODE.search(done.decode("utf-8", "replace")) if done_status == 200 else None
                        code = found.group(0) if found else None
                    except (OSError, http.client.HTTPException):
                        code = None
                    if code is None:
                        failed("GET /submit/done/ without a tracking code")
                with lock:
                    result.ok += 1
                    if code:
                        result.codes.append(code)
            else:
                kind = f"HTTP {status}" + (f" → {location}" if location else "")
                failed(kind, _error_text(body) if status in (200, 429) else body[:200].decode("utf-8", "replace"))

    threads = [threading.Thread(target=worker, name=f"client-{i}", daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        for thread in threads:
            thread.join(timeout=5)
        if progress and any(t.is_alive() for t in threads):
            progress(f"… {result.ok} stored, {sum(result.errors.values())} errors, {result.seconds:.0f} s")
    result.finished_at = dt.datetime.now(dt.timezone.utc)
    return result


# ---------------------------------------------------------------- verification (Django ORM)


@dataclass
class Verification:
    stored: int
    expected: int
    in_window: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        head = (
            f"verify: {self.stored} stored for this run, {self.expected} successful responses; "
            f"{self.in_window} initiatives submitted during the run in all"
        )
        if self.ok:
            return head + "\nverify: OK — rows, attachment rows, files and tracking codes all match"
        return head + "\n" + "\n".join(f"verify: PROBLEM: {p}" for p in self.problems)


def _storage_files(storage, folder: str) -> list[str]:
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = [f"{folder}/{name}" for name in files]
    for name in dirs:
        found.extend(_storage_files(storage, f"{folder}/{name}"))
    return found


def verify(
    run: str,
    *,
    ok: int,
    codes: list[str] | None = None,
    started_at: dt.datetime | None = None,
    finished_at: dt.datetime | None = None,
    files_per_submission: int = 1,
) -> Verification:
    """Compare the database and the storage with what the clients were told. Needs Django set
    up (see setup_django) with the server's DATABASE_URL and storage."""
    from django.core.files.storage import default_storage
    from django.db.models import Count

    from initiatives.models import Attachment, Initiative, StatusChange

    problems: list[str] = []
    rows = list(
        Initiative.objects.filter(title__startswith=TITLE_TAG.format(run=run))
        .annotate(files=Count("attachments", distinct=True))
        .values("pk", "tracking_code", "files")
    )
    if len(rows) != ok:
        problems.append(f"{len(rows)} initiatives stored for run {run}, but {ok} successful responses")

    stored_codes = [r["tracking_code"] for r in rows]
    repeated = [code for code, n in collections.Counter(stored_codes).items() if n > 1]
    if repeated:
        problems.append(f"duplicate tracking codes: {repeated[:5]}")
    clashes = (
        Initiative.objects.values("tracking_code").annotate(n=Count("pk")).filter(n__gt=1).values_list("tracking_code", flat=True)
    )
    if clashes:
        problems.append(f"duplicate tracking codes in the database: {list(clashes)[:5]}")
    if codes is not None:
        told = collections.Counter(codes)
        if any(n > 1 for n in told.values()):
            problems.append(f"the same tracking code was shown twice: {[c for c, n in told.items() if n > 1][:5]}")
        if set(told) - set(stored_codes):
            problems.append(f"codes shown to clients but not stored: {sorted(set(told) - set(stored_codes))[:5]}")

    without = [r["tracking_code"] for r in rows if r["files"] != files_per_submission]
    if without:
        problems.append(f"{len(without)} initiatives without exactly {files_per_submission} attachment row(s): {without[:5]}")
    history = StatusChange.objects.filter(initiative__in=[r["pk"] for r in rows]).values("initiative").distinct().count()
    if history != len(rows):
        problems.append(f"{len(rows) - history} initiatives without their first history row")

    attachments = Attachment.objects.filter(initiative__in=[r["pk"] for r in rows]).values_list("file", "size")
    missing = [name for name, size in attachments if not default_storage.exists(name)]
    if missing:
        problems.append(f"{len(missing)} attachment rows whose file is not in storage: {missing[:5]}")
    wrong_size = [
        name for name, size in attachments if name not in missing and default_storage.size(name) != size
    ]
    if wrong_size:
        problems.append(f"{len(wrong_size)} stored files whose size differs from their row: {wrong_size[:5]}")

    known = set(Attachment.objects.values_list("file", flat=True))
    orphans = [name for name in _storage_files(default_storage, "evidence") if name not in known]
    if orphans:
        problems.append(f"{len(orphans)} files under evidence/ without an attachment row: {orphans[:5]}")

    in_window = 0
    if started_at is not None:
        window = Initiative.objects.filter(submitted_at__gte=started_at)
        if finished_at is not None:
            window = window.filter(submitted_at__lte=finished_at)
        in_window = window.count()
    return Verification(stored=len(rows), expected=ok, in_window=in_window, problems=problems)


def setup_django() -> None:
    """Django with the project's settings (DATABASE_URL, MEDIA_ROOT from the environment).
    Verification only reads, so a throwaway SECRET_KEY is fine if none is set."""
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("SECRET_KEY", "load-submit-verify-only")
    import django

    django.setup()


# ---------------------------------------------------------------- command line


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server (default %(default)s)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default %(default)s)")
    parser.add_argument("--seconds", type=float, help="run this long (default 60 unless --total)")
    parser.add_argument("--total", type=int, help="stop after this many submissions")
    parser.add_argument("--verify", action="store_true", help="check the database and storage afterwards (Django ORM)")
    parser.add_argument("--no-follow", action="store_true", help="do not GET /submit/done/ for the tracking code")
    parser.add_argument("--unit", default="GLA-STANLEY", help="grassroots union code (default %(default)s)")
    parser.add_argument("--province", default="T01", help="its province code (default %(default)s)")
    parser.add_argument("--superior", default="GLA", help="its superior union code (default %(default)s)")
    parser.add_argument("--decision-date", default="", help="dd/mm/yyyy inside the open campaign's window")
    parser.add_argument("--applied-on", default="", help="dd/mm/yyyy inside the open campaign's window")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default %(default)s)")
    parser.add_argument("--insecure", action="store_true", help="https without certificate checks (staging)")
    parser.add_argument("--allow-remote", action="store_true", help="allow a server that is not on this machine")
    args = parser.parse_args(argv)

    if args.clients < 1 or (args.total is not None and args.total < 1) or (args.seconds is not None and args.seconds <= 0):
        parser.error("--clients, --total and --seconds must be positive")
    if not args.allow_remote and not _is_local(args.url):
        parser.error(f"{args.url} is not on this machine; pass --allow-remote for a staging server (never production)")
    seconds = args.seconds if args.seconds is not None else (None if args.total else 60.0)
    if args.verify:
        setup_django()  # fail before the load if the database cannot be reached

    form = Form(
        run=uuid.uuid4().hex[:8], unit=args.unit, province=args.province, superior=args.superior,
        decision_date=args.decision_date, applied_on=args.applied_on,
    )
    print(f"run {form.run}: {args.clients} clients → {args.url}/submit/", flush=True)
    result = run_load(
        args.url, clients=args.clients, seconds=seconds, total=args.total, form=form,
        follow=not args.no_follow, timeout=args.timeout, insecure=args.insecure,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(result.summary())
    failed = not result.ok or bool(result.errors)
    if args.verify:
        check = verify(
            result.run, ok=result.ok, codes=None if args.no_follow else result.codes,
            started_at=result.started_at, finished_at=result.finished_at,
        )
        print(check.summary())
        failed |= not check.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
