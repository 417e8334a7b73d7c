#!/usr/bin/env python
"""Server-side timings of the portal's pages against a national-scale database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csk_scale .venv/bin/python bench/run.py [--requests 20]

Prerequisites (see docs/PERFORMANCE.md): `migrate`, `createcachetable`, `load_demo` (the open campaign
that takes the submission POST) and `generate_scale_data` on that database.

Every page goes through the whole Django stack in this process (django.test.Client over HTTPS:
middleware, views, templates; no network, no test database, DEBUG off). For each page: one warm-up
request, one request under CaptureQueriesContext (the query count and its SQL time), then
--requests timed requests: median and p95 (nearest rank) wall time. Every request runs inside a
transaction that is rolled back (the submission and tracking POSTs, and the audit row a review
detail now writes), and uploads go to a temporary MEDIA_ROOT, so the database is left as it was,
except the benchmark's four users, their memberships and login sessions (usernames `bench_*`,
created once and reused; the sessions are deleted at the end). Excel exports are also measured once under tracemalloc (peak
Python memory). The naive aggregate (`SELECT unit_id, phase_id, status, count(*) FROM
initiatives_initiative GROUP BY 1,2,3`, through psycopg directly, median of 5) is the yardstick of
the report pages. The Markdown table is printed and written to docs/PERFORMANCE.md, keeping any
text below the FINDINGS marker of the existing file.

Targets (the national-scale issue): p95 ≤ 50 ms member pages and the submission POST; ≤ 80 ms
review lists and detail in every scope; ≤ 100 ms progress at every level; ≤ 1 s province export;
report pages ≤ 0.1 × the naive aggregate.
"""

import argparse
import gc
import math
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "scripts"))

# Production-like settings: DEBUG off, whatever the shell says.
os.environ["DEBUG"] = "false"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# No collectstatic for a benchmark: plain static URLs instead of the hashed manifest.
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
MEDIA_TMP = tempfile.mkdtemp(prefix="bench-media-")
os.environ["MEDIA_ROOT"] = MEDIA_TMP

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.settle import settle  # noqa: E402
from portal.warmup import warm_up  # noqa: E402

from initiatives.models import Initiative, StatusChange  # noqa: E402
from quotas.models import Campaign, Level, Membership, ProgressCount, ProgressWeek, Role, Unit  # noqa: E402
from quotas.selectors import current_campaign  # noqa: E402

import load_submit  # noqa: E402 - scripts/: the valid dates of a submission

SEED_CAMPAIGN = "01-trieu-sang-kien-2022"
DOC = BASE_DIR / "docs" / "PERFORMANCE.md"
FINDINGS_MARKER = "<!-- FINDINGS: text below this line is kept when bench/run.py rewrites the file -->"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NAIVE_SQL = "SELECT unit_id, phase_id, status, count(*) FROM initiatives_initiative GROUP BY 1,2,3"

TARGETS = {  # group → (p95 target in ms, judged against the naive aggregate)
    "member": 50,
    "review": 80,
    "progress": 100,
    "export": 1000,
}
PEAK_MB = 300  # an export's peak memory, the nation's included


@dataclass
class Case:
    name: str
    scope: str
    group: str  # member / review / progress / export
    url: str
    user: str | None = None
    method: str = "get"
    data: object = None  # a callable(i) → POST data
    expect: int = 200
    memory: bool = False
    report: bool = False  # a report page: also judged against the naive aggregate
    ip: bool = False  # vary REMOTE_ADDR (members come from many addresses)


@dataclass
class Result:
    case: Case
    times: list[float] = field(default_factory=list)
    queries: int | None = None
    sql_ms: float | None = None
    slowest: list[tuple[float, str]] = field(default_factory=list)
    peak_mb: float | None = None
    error: str = ""
    plan: str = ""
    plan_ms: float | None = None  # the explained SELECT's time in the captured request

    @property
    def median(self):
        return statistics.median(self.times) if self.times else None

    @property
    def p95(self):
        if not self.times:
            return None
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# ---------------------------------------------------------------- fixtures


def bench_user(username: str, *, superuser=False, staff=False, role=None, unit=None, perms=()):
    """The benchmark's users: created once, marked (username bench_*, last name), reused."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": "Benchmark", "last_name": "(bench/run.py)", "is_staff": staff or superuser,
                  "is_superuser": superuser},
    )
    if created:
        user.set_unusable_password()
        user.save()
    if role is not None:
        Membership.objects.filter(user=user).exclude(unit=unit, role=role).delete()
        Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if perms:
        user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
    return user


def pick_fixtures(campaign: Campaign) -> dict:
    """The units and initiatives the pages are measured on: the largest generated district,
    the province with the most districts, the grassroots union with the most initiatives."""
    generated = Unit.objects.filter(is_sample=True, code__regex=r"^ST[0-9]{2}-[0-9]{3}")
    districts = generated.filter(level=Level.SUPERIOR)
    district = districts.order_by("-numchild", "code").first()
    if district is None:
        raise SystemExit("no generated districts: run `manage.py generate_scale_data` first")
    typical = districts.order_by("numchild", "code")[districts.count() // 2]
    province = Unit.objects.filter(level=Level.PROVINCE).order_by("-numchild", "code").first()
    nation = Unit.objects.filter(level=Level.NATIONAL).order_by("path").first()
    busiest = (
        Initiative.objects.filter(campaign=campaign, unit__path__startswith=district.path)
        .values("unit_id").annotate(n=Count("pk")).order_by("-n", "unit_id").first()
    )
    grassroots = Unit.objects.get(pk=busiest["unit_id"])
    in_unit = Initiative.objects.filter(unit=grassroots, campaign=campaign).order_by("-submitted_at", "-id")
    tracked = list(
        Initiative.objects.filter(campaign=campaign, unit__path__startswith=district.path)
        .order_by("id").values_list("tracking_code", "phone")[:200]
    )
    return {
        "district": district, "typical": typical, "province": province, "nation": nation, "grassroots": grassroots,
        "detail": in_unit.first(), "tracked": tracked,
        "district_units": Unit.objects.filter(path__startswith=district.path, level=Level.GRASSROOTS).count(),
        "unit_initiatives": in_unit.count(),
    }


DEEP_PAGE = 5_000  # "page 5,000 of a list costs what page 1 costs" (the issue)


def deep_cursor(user, campaign: Campaign, page: int) -> tuple[str, int]:
    """The review queue's `after=` cursor that opens page `page` of `user`'s queue (newest
    first, 25 a page), or of its last page if the scope has fewer: the cursor of the last row
    of the page before, found once here with an OFFSET (the page itself is then read from the
    cursor, as a reviewer clicking "next" that many times would)."""
    from initiatives.pagination import _encode
    from initiatives.review_views import PAGE_SIZE
    from initiatives.selectors import initiatives_visible_to

    rows = initiatives_visible_to(user).filter(campaign=campaign).order_by("-submitted_at", "-pk")
    total = rows.count()
    page = max(2, min(page, math.ceil(total / PAGE_SIZE)))
    before = rows.values_list("submitted_at", "pk")[(page - 1) * PAGE_SIZE - 1]
    return _encode("submitted_at", *before), page


def submission_factory(district: Unit, unit: Unit, province: Unit):
    open_campaign = current_campaign()
    if open_campaign is None or not open_campaign.is_open:
        return None, "no open campaign (run load_demo)"
    today = timezone.localdate()
    if open_campaign.phase_on(today) is None:
        return None, f"open campaign {open_campaign.slug} has no phase today"
    decided, applied = load_submit.programme_dates(today, start=open_campaign.application_start)

    def data(i: int) -> dict:
        rng = random.Random(i)
        return {
            "full_name": "Nguyễn Văn Thử",
            "phone": f"09{rng.randint(0, 99_999_999):08d}",
            "id_number": f"001{rng.randint(0, 999_999_999):09d}",
            "email": "",
            "sector": "enterprise",
            "province": province.code,
            "superior": district.code,
            "unit": unit.code,
            "unit_query": "",
            "workplace": "Phân xưởng 2",
            "target_group": "worker",
            "title": f"Cải tiến đồ gá lắp ráp (đo hiệu năng {i})",
            "solution_type": "technical",
            "description": "Hiện trạng, giải pháp và kết quả áp dụng. " * 10,
            "benefit_value": "5.000.000",
            "co_authors": "",
            "recognised_by": "council",
            "decision_number": "12/QĐ-SK",
            "decision_date": decided,
            "applied_on": applied,
            "drive_link": "",
            "not_ip_protected": "on",
            "consent": "on",
            "files": [SimpleUploadedFile("bao-cao.pdf", PDF, content_type="application/pdf")],
        }

    return data, ""


# ---------------------------------------------------------------- measuring


def one_request(client: Client, case: Case, i: int):
    """One request over HTTPS (as behind the TLS proxy), inside a transaction that is rolled back:
    whatever a page writes (a submission, a session, an audit row, a rate-limit counter) is undone."""
    kwargs = {"REMOTE_ADDR": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"} if case.ip else {}
    data = case.data(i) if case.method == "post" else None
    with transaction.atomic():
        if case.method == "post":
            response = client.post(case.url, data, secure=True, **kwargs)
        else:
            response = client.get(case.url, secure=True, **kwargs)
        transaction.set_rollback(True)
    return response


def measure(case: Case, clients: dict, n: int, counter) -> Result:
    result = Result(case)
    client = clients[case.user]
    try:
        response = one_request(client, case, next(counter))  # warm-up
        if response.status_code != case.expect:
            result.error = f"HTTP {response.status_code} (expected {case.expect})"
            return result
        with CaptureQueriesContext(connection) as captured:
            one_request(client, case, next(counter))
        result.queries = len(captured.captured_queries)
        timed = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
        result.sql_ms = sum(t for t, _ in timed)
        result.slowest = sorted(timed, reverse=True)[:3]
        for _ in range(n):
            i = next(counter)
            t = time.perf_counter()
            response = one_request(client, case, i)
            result.times.append((time.perf_counter() - t) * 1000)
            if response.status_code != case.expect:
                result.error = f"HTTP {response.status_code} (expected {case.expect})"
                return result
        if case.memory:
            tracemalloc.start()
            tracemalloc.reset_peak()
            one_request(client, case, next(counter))
            result.peak_mb = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
    except Exception as error:  # a page that crashes is reported, not fatal to the run
        result.error = f"{type(error).__name__}: {error}"[:200]
    return result


def explain(result: Result) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest SELECT of the captured request (rolled back)."""
    for ms, sql in result.slowest:
        if sql.lstrip().upper().startswith("SELECT"):
            result.plan_ms = ms
            break
    else:
        return
    try:
        with transaction.atomic():
            with connection.cursor() as c:
                c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                result.plan = "\n".join(row[0] for row in c.fetchall())
            transaction.set_rollback(True)
    except Exception as error:
        result.plan = f"(EXPLAIN failed: {error})"


SCAN = re.compile(r"((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?(?: using \S+)? on \S+)")


def plan_row(r: Result) -> str:
    """One line of the plans table: the scans of the slowest SELECT's plan, in plan order."""
    if not r.plan or r.plan_ms is None:
        return f"| {r.case.name} | {r.case.scope} | — | — | (no SELECT) |"
    scans = list(dict.fromkeys(SCAN.findall(r.plan)))
    execution = re.search(r"Execution Time: ([0-9.]+) ms", r.plan)
    return (
        f"| {r.case.name} | {r.case.scope} | {r.plan_ms:,.1f} | "
        f"{float(execution.group(1)):,.1f} | {'; '.join(scans) or '(no table scan)'} |"
        if execution else f"| {r.case.name} | {r.case.scope} | {r.plan_ms:,.1f} | — | {r.plan[:80]} |"
    )


def naive_aggregate(url: str, repeat: int = 5) -> float:
    import psycopg

    times = []
    with psycopg.connect(url) as conn:
        conn.execute(NAIVE_SQL).fetchall()  # warm-up
        for _ in range(repeat):
            t = time.perf_counter()
            conn.execute(NAIVE_SQL).fetchall()
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


# ---------------------------------------------------------------- report


def verdict(result: Result, naive_ms: float) -> tuple[str, str]:
    case = result.case
    if result.error:
        return "ERROR", result.error
    target = TARGETS[case.group]
    reasons = []
    if result.p95 > target:
        reasons.append(f"p95 > {target} ms")
    if case.report and result.median > 0.1 * naive_ms:
        reasons.append("median > 0.1× naive")
    if case.memory and result.peak_mb is not None and result.peak_mb > PEAK_MB:
        reasons.append(f"peak > {PEAK_MB} MB")
    return ("FAIL" if reasons else "PASS"), "; ".join(reasons)


def target_text(case: Case) -> str:
    text = f"p95 ≤ {TARGETS[case.group]:,} ms" + (f", peak ≤ {PEAK_MB} MB" if case.memory else "")
    return text + ", ≤ 0.1× naive" if case.report else text


def fmt(value, digits=1):
    return "—" if value is None else f"{value:,.{digits}f}"


def markdown_table(results: list[Result], naive_ms: float) -> str:
    lines = [
        "| Page | Scope | Target | Median ms | p95 ms | Queries | SQL ms (1 req) | × naive | Peak MB | Result |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        status, why = verdict(r, naive_ms)
        ratio = f"{r.median / naive_ms:.3f}" if r.median is not None else "—"
        lines.append(
            f"| {r.case.name} | {r.case.scope} | {target_text(r.case)} | {fmt(r.median)} | {fmt(r.p95)} | "
            f"{r.queries if r.queries is not None else '—'} | {fmt(r.sql_ms)} | {ratio} | {fmt(r.peak_mb)} | "
            f"**{status}**{' — ' + why if why else ''} |"
        )
    return "\n".join(lines)


def machine_note() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    with connection.cursor() as c:
        c.execute("SELECT version()")
        version = c.fetchone()[0].split(" on ")[0]
        settings = []
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather",
                     "random_page_cost", "jit"):
            c.execute(f"SHOW {name}")
            settings.append(f"{name}={c.fetchone()[0]}")
    return [
        f"{cpu}, {os.cpu_count()} cores, {mem}; {platform.system()} {platform.release()}",
        f"{version} on the same machine, as the portal's connections see it ({', '.join(settings)}; "
        "the server's own configuration untuned)",
        f"Python {platform.python_version()}, Django {django.get_version()}; one process, in-process test client, DEBUG off; "
        "views, templates and catalogs loaded and frozen (gc.freeze) first, as gunicorn's master does before forking",
    ]


def code_version() -> str:
    import subprocess

    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":(exclude)docs/PERFORMANCE.md"], cwd=BASE_DIR,  # the report itself does not count
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"commit {sha}" + (" plus the uncommitted changes in the working tree at the time" if dirty else "")


def row_counts(campaign: Campaign) -> list[tuple[str, int]]:
    counts = [(f"units — {label}", Unit.objects.filter(level=level).count()) for level, label in Level.choices]
    counts += [
        ("initiatives (all campaigns)", Initiative.objects.count()),
        (f"initiatives of {campaign.slug}", Initiative.objects.filter(campaign=campaign).count()),
        ("status changes", StatusChange.objects.count()),
        ("progress counts", ProgressCount.objects.count()),
        ("progress weeks", ProgressWeek.objects.count()),
    ]
    return counts


def write_doc(*, command, started, results, naive_ms, fixtures, campaign, counts, n, load, settled):
    kept = ""
    if DOC.exists():
        text = DOC.read_text(encoding="utf-8")
        if FINDINGS_MARKER in text:
            kept = text.split(FINDINGS_MARKER, 1)[1]
    status = [verdict(r, naive_ms)[0] for r in results]
    f = fixtures
    lines = [
        "# Performance at national scale",
        "",
        "Generated by `bench/run.py`; rerun it to refresh everything above the findings.",
        "",
        "## How it was measured",
        "",
        "```sh",
        "createdb -h 127.0.0.1 -U postgres csk_scale",
        "export DATABASE_URL=postgres://postgres@127.0.0.1:5432/csk_scale",
        "export DEBUG=1  # manage.py needs DEBUG or a SECRET_KEY; bench/run.py turns DEBUG off itself",
        ".venv/bin/python manage.py migrate && .venv/bin/python manage.py createcachetable",
        ".venv/bin/python manage.py load_demo",
        ".venv/bin/python manage.py generate_scale_data --units 135000 --initiatives 1000000 --seed 1",
        command,
        "```",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} {started.tzname() or ''}".rstrip(),
        f"- Code: {code_version()}",
        f"- Load average (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f} on {os.cpu_count()} cores — the machine is "
        "shared; anything well above 0 means other jobs competed for the CPUs and inflated the timings.",
        f"- Before the run: {settled}.",
        *[f"- Machine: {line}" if i == 0 else f"  {line}" for i, line in enumerate(machine_note())],
        f"- Each page: 1 warm-up, 1 request under `CaptureQueriesContext` (queries, their SQL time), then {n} timed "
        "requests; median and p95 (nearest rank) of the wall time of `django.test.Client` (the whole Django stack, "
        "no network; HTTPS). Every request runs in a transaction that is rolled back, so nothing it writes (a "
        "submission, a session, an audit row, a rate-limit counter) is kept — and no commit is timed. "
        "Peak MB: `tracemalloc` peak of one export.",
        f"- Naive aggregate (`{NAIVE_SQL}`, psycopg, median of 5): **{naive_ms:,.1f} ms**; "
        "× naive = the page's median divided by it.",
        f"- Data: campaign `{campaign.slug}` (both phases in the past; the demo's open campaign has its phase 2 in "
        "the future, see `generate_scale_data`). District "
        f"`{f['district'].code}` ({f['district_units']:,} grassroots units, the largest; `{f['typical'].code}` with "
        f"{f['typical'].numchild:,} is the median), province `{f['province'].code}` "
        f"(the most districts), grassroots `{f['grassroots'].code}` ({f['unit_initiatives']:,} initiatives, the "
        "busiest of that district). Users `bench_reviewer` (reviewer of that grassroots union), `bench_district` "
        "(district staff of that district), `bench_province` (reviewer of that province) and `bench_admin` "
        "(superuser).",
        "",
        "| Rows | Count |",
        "|---|---:|",
        *[f"| {name} | {value:,} |" for name, value in counts],
        "",
        "## Targets",
        "",
        "From the issue: p95 ≤ 50 ms for member pages and the submission POST; ≤ 80 ms for review lists and detail "
        "in every scope; ≤ 100 ms for progress at every level; ≤ 1 s for a province export; report pages ≤ 0.1× the "
        "naive aggregate. Applied here: the admin initiative list as a review list (80 ms), the admin progress list "
        "as a progress page (100 ms), the district export with the province's 1 s; \"report pages\" = the three "
        "progress pages, the admin progress list and the home page (its summary reads the maintained counts).",
        "",
        f"## Results — {status.count('PASS')} PASS, {status.count('FAIL')} FAIL, {status.count('ERROR')} ERROR",
        "",
        markdown_table(results, naive_ms),
        "",
        "### The plans used: the slowest SELECT of each page",
        "",
        "EXPLAIN (ANALYZE) of the slowest SELECT of the captured request, run after the page's timed requests; "
        "the scans it chose (an index-only scan reads the index alone, a bitmap or index scan the rows it "
        "points to, a sequential scan the whole table).",
        "",
        "| Page | Scope | Slowest SELECT ms | Execution ms | Scans |",
        "|---|---|---:|---:|---|",
        *[plan_row(r) for r in results],
        "",
        "### Slowest queries of the failing rows (from the captured request)",
        "",
    ]
    failing = [r for r in results if verdict(r, naive_ms)[0] != "PASS"]
    if not failing:
        lines += ["None: every row passed.", ""]
    for r in failing:
        lines.append(f"- **{r.case.name} — {r.case.scope}** ({r.queries} queries, {fmt(r.sql_ms)} ms SQL):")
        for ms, sql in r.slowest:
            lines.append(f"  - {ms:,.1f} ms: `{' '.join(sql.split())[:300]}`")
        if r.plan:
            plan = r.plan.splitlines()
            lines += ["", "    <details><summary>EXPLAIN (ANALYZE, BUFFERS) of the slowest SELECT</summary>", "",
                      "    ```text", *[f"    {line}" for line in plan[:60]],
                      *(["    …"] if len(plan) > 60 else []), "    ```", "", "    </details>", ""]
    lines += ["", FINDINGS_MARKER]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(lines) + (kept if kept else "\n"), encoding="utf-8")


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (≥ 20 for the p95)")
    parser.add_argument("--campaign", default=SEED_CAMPAIGN, help="the campaign holding the generated initiatives")
    parser.add_argument("--only", default="", help="only the pages whose name contains this text")
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs/PERFORMANCE.md")
    parser.add_argument("--no-freeze", action="store_true",
                        help="skip the server master's warm-up and gc.freeze (to compare; not written to the doc)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/run.py measures PostgreSQL: set DATABASE_URL")
    started = timezone.localtime()
    call_command("createcachetable", verbosity=0)
    settled = settle()
    print(f"Before the run: {settled}")
    load_start = os.getloadavg()[0]

    campaign = Campaign.objects.get(slug=args.campaign)
    fixtures = pick_fixtures(campaign)
    f = fixtures
    bench_user("bench_admin", superuser=True)
    bench_user("bench_district", staff=True, role=Role.DISTRICT_STAFF, unit=f["district"],
               perms=["view_initiative", "view_unit", "view_campaign"])
    bench_user("bench_reviewer", role=Role.REVIEWER, unit=f["grassroots"])
    bench_user("bench_province", role=Role.REVIEWER, unit=f["province"])
    User = get_user_model()
    clients = {None: Client()}
    for name in ("bench_admin", "bench_district", "bench_reviewer", "bench_province"):
        clients[name] = Client()
        clients[name].force_login(User.objects.get(username=name), backend="django.contrib.auth.backends.ModelBackend")

    submit_data, submit_skip = submission_factory(f["district"], f["grassroots"], f["province"])
    tracked = f["tracked"]

    def track_data(i):
        code, phone = tracked[i % len(tracked)]
        return {"code": code, "phone": phone}

    q = f"?campaign={campaign.slug}"
    scopes = [("grassroots reviewer", "bench_reviewer"), ("district staff", "bench_district"),
              ("province reviewer", "bench_province"), ("national admin", "bench_admin")]
    detail = f["detail"].pk
    cases = [
        Case("Home `/`", "anonymous", "member", "/", report=True),
        Case("`/submit/` GET", "anonymous", "member", "/submit/", ip=True),
        Case("`/submit/units/?q=tan binh` (type-ahead)", "anonymous", "member", "/submit/units/?q=tan%20binh", ip=True),
    ]
    if submit_data is not None:
        cases.append(Case("`/submit/` POST (valid, 1 PDF; rolled back)", "anonymous", "member", "/submit/",
                          method="post", data=submit_data, expect=302, ip=True))
    cases.append(Case("`/track/` lookup POST (rolled back)", "anonymous", "member", "/track/", method="post",
                      data=track_data, expect=302, ip=True))
    for label, user in scopes:
        cases += [
            # The queue shows one campaign (the current one unless ?campaign=): ask for the one with the data.
            Case("`/review/` first page", label, "review", f"/review/{q}", user=user),
            Case("`/review/?status=approved&phase=1`", label, "review", f"/review/{q}&status=approved&phase=1", user=user),
            Case("`/review/?q=tiet kiem dien`", label, "review", f"/review/{q}&q=tiet%20kiem%20dien", user=user),
            Case("`/review/?sort=title` (A–Z)", label, "review", f"/review/{q}&sort=title", user=user),
            Case("`/review/?target_group=agriculture`", label, "review", f"/review/{q}&target_group=agriculture",
                 user=user),
            Case("`/review/?block=school`", label, "review", f"/review/{q}&block=school", user=user),
            Case("`/review/<id>/` detail", label, "review", f"/review/{detail}/", user=user),
        ]
    for label, user in (("district staff", "bench_district"), ("national admin", "bench_admin")):
        # Deep in the queue: keyset pages cost what the first does (the district has fewer
        # than 5,000 pages: its last one).
        after, page = deep_cursor(User.objects.get(username=user), campaign, DEEP_PAGE)
        cases.append(Case(f"`/review/` page {page:,} (keyset `after=`)", label, "review",
                          f"/review/{q}&after={after}", user=user))
    cases += [
        Case(f"`/progress/` district {f['district'].code}", "district staff", "progress",
             f"/progress/{q}&unit={f['district'].code}", user="bench_district", report=True),
        Case(f"`/progress/` district {f['typical'].code} (median size)", "national admin", "progress",
             f"/progress/{q}&unit={f['typical'].code}", user="bench_admin", report=True),
        Case(f"`/progress/` province {f['province'].code}", "national admin", "progress",
             f"/progress/{q}&unit={f['province'].code}", user="bench_admin", report=True),
        Case(f"`/progress/` nation {f['nation'].code}", "national admin", "progress",
             f"/progress/{q}&unit={f['nation'].code}", user="bench_admin", report=True),
        Case("`/admin/quotas/unitprogress/`", "national admin", "progress",
             f"/admin/quotas/unitprogress/?campaign={campaign.pk}", user="bench_admin", report=True),
        Case("`/admin/quotas/unitprogress/`", "district staff", "progress",
             f"/admin/quotas/unitprogress/?campaign={campaign.pk}", user="bench_district", report=True),
        Case("`/admin/initiatives/initiative/`", "national admin", "review", "/admin/initiatives/initiative/",
             user="bench_admin"),
        Case("`/admin/initiatives/initiative/`", "district staff", "review", "/admin/initiatives/initiative/",
             user="bench_district"),
        Case(f"Excel export district {f['district'].code}", "district staff", "export",
             f"/progress/export.xlsx{q}&unit={f['district'].code}", user="bench_district", memory=True),
        Case(f"Excel export district {f['typical'].code} (median size)", "national admin", "export",
             f"/progress/export.xlsx{q}&unit={f['typical'].code}", user="bench_admin", memory=True),
        Case(f"Excel export province {f['province'].code}", "national admin", "export",
             f"/progress/export.xlsx{q}&unit={f['province'].code}", user="bench_admin", memory=True),
        Case(f"Excel export nation {f['nation'].code}", "national admin", "export",
             f"/progress/export.xlsx{q}&unit={f['nation'].code}", user="bench_admin", memory=True),
    ]
    if args.only:
        cases = [c for c in cases if args.only.lower() in (c.name + " " + c.scope).lower()]

    n = max(1, args.requests)
    counter = iter(range(1, 10**9))
    print(f"Database {connection.settings_dict['NAME']}; campaign {campaign.slug}; {n} timed requests per page; "
          f"load average {load_start:.2f}")
    if submit_skip:
        print(f"Submission POST skipped: {submit_skip}")
    # As the server's master does before it forks its workers (deploy/gunicorn.conf.py): load the
    # views, templates and catalogs, then move all that is loaded out of the garbage collector's
    # reach. Each page's warm-up and timed requests then run as they do in a worker.
    if not args.no_freeze:
        warm_up()
        gc.freeze()
    db_url = os.environ.get("DATABASE_URL", "")
    naive_ms = naive_aggregate(db_url)
    print(f"Naive aggregate: {naive_ms:,.1f} ms (median of 5)")
    results = []
    for case in cases:
        result = measure(case, clients, n, counter)
        results.append(result)
        status, why = verdict(result, naive_ms)
        if result.slowest:
            explain(result)  # after the timed requests: the plan is shown, it is not timed
        print(f"  {case.name[:48]:<48} {case.scope:<20} median {fmt(result.median):>8} p95 {fmt(result.p95):>8} "
              f"q {result.queries if result.queries is not None else '—':>3} {status} {why}", flush=True)
    for client in clients.values():
        client.logout()  # the sessions force_login made
    table = markdown_table(results, naive_ms)
    print()
    print(table)
    counts = row_counts(campaign)
    shown_url = db_url.split("@")[-1] if "@" in db_url else db_url
    command = (f"DATABASE_URL=postgres://…@{shown_url} .venv/bin/python bench/run.py "
               + " ".join(sys.argv[1:])).rstrip()
    if not args.no_write and not args.only and not args.no_freeze:
        write_doc(command=command, started=started, results=results, naive_ms=naive_ms, fixtures=fixtures,
                  campaign=campaign, counts=counts, n=n, load=(load_start, os.getloadavg()[0]), settled=settled)
        print(f"\nWritten to {DOC.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(MEDIA_TMP, ignore_errors=True)
