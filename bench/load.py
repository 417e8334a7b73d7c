#!/usr/bin/env python
"""Submissions under load: the portal's /submit/ against a bare insert view, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csk_scale REDIS_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python bench/load.py [--clients 16] [--seconds 60]

Both servers are gunicorn with deploy/gunicorn.conf.py (its worker count, CONN_MAX_AGE and
CONN_HEALTH_CHECKS as in production), started and stopped here, one after the other, on the same
database and cache:

1. the baseline: bench/bare_settings.py — the project's settings and middleware, with a URLconf
   whose POST /submit/ inserts one row and redirects (bench/bare_urls.py);
2. the portal (portal.settings), rate limits off (one address would be stopped at 20 an hour).

The same load client (scripts/load_submit.py: threads, a new connection per request, the same
multipart body with a small PDF) posts valid submissions to each for --seconds, spread over
--units grassroots unions drawn at random from the open campaign's tree. Afterwards the portal's
run is verified through the ORM: the rows stored equal the successful responses, each with its
file and first history row, and no tracking code appears twice. The result is printed and
written into docs/PERFORMANCE.md between the LOAD markers (below the findings, which
bench/run.py keeps).

Target (the national-scale issue): ≥ 200 submissions/s and ≥ 0.4 × the bare view, no error.
"""

import argparse
import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "scripts"))

import load_submit  # noqa: E402
from bench.settle import settle  # noqa: E402

DOC = BASE_DIR / "docs" / "PERFORMANCE.md"
START, END = "<!-- LOAD: written by bench/load.py -->", "<!-- /LOAD -->"
TARGET_RATE, TARGET_RATIO = 200.0, 0.4


def server_env(settings: str, media: str) -> dict:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": settings,
        "DEBUG": "false",
        "SECRET_KEY": env.get("SECRET_KEY", "load-bench-only-not-a-secret"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "RATELIMIT_ENABLE": "false",
        "STATIC_MANIFEST": "false",
        "MEDIA_ROOT": media,
        "GUNICORN_ACCESSLOG": "/dev/null",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(BASE_DIR),
    })
    return env


def serve(settings: str, port: int, media: str, log) -> subprocess.Popen:
    env = server_env(settings, media)
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "portal.wsgi"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn ({settings}) exited with {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/submit/", timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"gunicorn ({settings}) did not answer within 60 s; see {log.name}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


WRITTEN = ["initiatives_initiative", "initiatives_attachment", "initiatives_statuschange",
           "quotas_progresscount", "quotas_progressweek", "bench_bare_insert"]


def workplaces(count: int, seed: int) -> list[tuple[str, str, str]]:
    """`count` grassroots unions of the open campaign's tree, with their province and superior."""
    from quotas.models import Level, Unit
    from quotas.selectors import current_campaign, subtree_range

    campaign = current_campaign()
    if campaign is None:
        raise SystemExit("no open campaign: run load_demo on this database first")
    ids = list(
        Unit.objects.filter(subtree_range(campaign.root.path), level=Level.GRASSROOTS).values_list("pk", flat=True)
    )
    chosen = random.Random(seed).sample(ids, min(count, len(ids)))
    units = list(Unit.objects.filter(pk__in=chosen).only("path", "code"))
    prefixes = {u.path[:n] for u in units for n in range(Unit.steplen, len(u.path), Unit.steplen)}
    above = {a.path: a for a in Unit.objects.filter(path__in=prefixes).only("path", "code", "level")}
    found = []
    for unit in units:
        ancestors = {a.level: a.code for p, a in above.items() if unit.path.startswith(p)}
        if Level.PROVINCE in ancestors and Level.SUPERIOR in ancestors:
            found.append((ancestors[Level.PROVINCE], ancestors[Level.SUPERIOR], unit.code))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0, help="per server, over all rounds")
    parser.add_argument("--rounds", type=int, default=2, help="turns each server takes")
    parser.add_argument("--units", type=int, default=2000, help="grassroots unions the posts go to")
    parser.add_argument("--port", type=int, default=8061)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/PERFORMANCE.md alone")
    args = parser.parse_args()

    media = tempfile.mkdtemp(prefix="load-media-")
    os.environ.update({k: v for k, v in server_env("portal.settings", media).items() if k in {
        "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "MEDIA_ROOT", "STATIC_MANIFEST"}})
    load_submit.setup_django()
    from bench import bare_urls
    from django.db import connection

    bare_urls.ensure_table()
    places = workplaces(args.units, args.seed)
    form_run = load_submit.Form(run=f"load{dt.datetime.now():%H%M%S}", workplaces=places)
    connection.close()

    load_before = os.getloadavg()[0]
    # The machine is shared and its speed drifts by a fifth over minutes: the two servers take
    # turns, --rounds times each, so that both see the same conditions.
    results: dict[str, list] = {"bare insert view": [], "/submit/": []}
    log = open(Path(tempfile.gettempdir()) / "bench-load-gunicorn.log", "w")
    try:
        for round_ in range(args.rounds):
            for name, settings in (("bare insert view", "bench.bare_settings"), ("/submit/", "portal.settings")):
                settled = settle(WRITTEN)
                server = serve(settings, args.port, media, log)
                try:
                    seconds = args.seconds / args.rounds
                    print(f"{name} (round {round_ + 1}/{args.rounds}): {args.clients} clients × {seconds:.0f} s …", flush=True)
                    result = load_submit.run_load(
                        f"http://127.0.0.1:{args.port}", clients=args.clients, seconds=seconds,
                        form=form_run if name == "/submit/" else load_submit.Form(run="bare"), follow=False,
                    )
                    print(result.summary(), flush=True)
                    results[name].append(result)
                finally:
                    stop(server)
    finally:
        log.close()
    load_after = os.getloadavg()[0]
    results = {name: Combined(runs) for name, runs in results.items()}

    portal, bare = results["/submit/"], results["bare insert view"]
    check = load_submit.verify(portal.run, ok=portal.ok, started_at=portal.started_at, finished_at=portal.finished_at)
    print(check.summary())
    shutil.rmtree(media, ignore_errors=True)

    rate = portal.ok / portal.seconds
    base = bare.ok / bare.seconds
    ratio = rate / base if base else 0.0
    passed = rate >= TARGET_RATE and ratio >= TARGET_RATIO and not portal.errors and check.ok
    text = report(args, results, check, rate, base, ratio, passed, (load_before, load_after), len(places), settled)
    print(text)
    if not args.no_write:
        write(text)
    return 0 if passed else 1


class Combined:
    """The rounds of one server as one run: totals, and latencies pooled."""

    def __init__(self, runs):
        self.runs = runs
        self.run = runs[0].run
        self.attempts = sum(r.attempts for r in runs)
        self.ok = sum(r.ok for r in runs)
        self.seconds = sum(r.seconds for r in runs)
        self.errors = sum((r.errors for r in runs), load_submit.collections.Counter())
        self.latencies = [x for r in runs for x in r.latencies]
        self.started_at = min(r.started_at for r in runs)
        self.finished_at = max(r.finished_at for r in runs)


def report(args, results, check, rate, base, ratio, passed, loads, places, settled) -> str:
    from django.db import connection

    workers = subprocess.run(
        [sys.executable, "-c", "import runpy; print(runpy.run_path('deploy/gunicorn.conf.py')['workers'])"],
        cwd=BASE_DIR, capture_output=True, text=True,
    ).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(  # the report it writes into does not count
        ["git", "status", "--porcelain", "--", ".", ":(exclude)docs/PERFORMANCE.md"], cwd=BASE_DIR, capture_output=True, text=True,
    ).stdout.strip()
    cache = "Redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "the database cache table"
    lines = [
        "## Submissions under load",
        "",
        "```sh",
        f"DATABASE_URL=… {'REDIS_URL=… ' if os.environ.get('REDIS_URL') else ''}.venv/bin/python bench/load.py "
        f"--clients {args.clients} --seconds {args.seconds:.0f} --rounds {args.rounds} --units {args.units}",
        "```",
        "",
        f"- Date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %z}; code: commit {commit}"
        + (" plus uncommitted changes" if dirty else ""),
        f"- gunicorn with deploy/gunicorn.conf.py: {workers} sync workers on {os.cpu_count()} cores, "
        f"CONN_MAX_AGE={connection.settings_dict['CONN_MAX_AGE']}, "
        f"CONN_HEALTH_CHECKS={connection.settings_dict['CONN_HEALTH_CHECKS']}; cache: {cache}; "
        f"PostgreSQL {connection.cursor().connection.info.server_version // 10000} on the same machine, and the "
        "load client too (it takes a share of the same two cores).",
        f"- Load average (1 min) before / after: {loads[0]:.2f} / {loads[1]:.2f}. Before each round: {settled}.",
        f"- Each client: one GET /submit/ (CSRF), then valid multipart POSTs with a small PDF, a new connection "
        f"each, spread over {places:,} grassroots unions of the open campaign; the tracking-code page is not "
        "fetched (--no-follow), the count comes from the 302s and the database.",
        "",
        "| Server | Posted | Stored (302) | Errors | Submissions/s | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        lines.append(
            f"| {name} | {result.attempts:,} | {result.ok:,} | {sum(result.errors.values())} | "
            f"{result.ok / result.seconds:.1f} | {load_submit.percentile_ms(result.latencies, 0.5):.0f} | {load_submit.percentile_ms(result.latencies, 0.95):.0f} |"
        )
    lines += [
        "",
        "Per round (submissions/s, in the order run): " + "; ".join(
            f"{name} " + ", ".join(f"{r.ok / r.seconds:.0f}" for r in result.runs) for name, result in results.items()
        ) + ".",
        "",
        f"**{'PASS' if passed else 'FAIL'}** — /submit/ {rate:.1f}/s (target ≥ {TARGET_RATE:.0f}), "
        f"{ratio:.2f} × the bare insert view's {base:.1f}/s (target ≥ {TARGET_RATIO}); "
        f"{'no errors' if not results['/submit/'].errors else dict(results['/submit/'].errors)}.",
        "",
        "Verification: " + check.summary().replace("\n", "; "),
    ]
    return "\n".join(lines)


def write(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    block = f"{START}\n{text}\n{END}"
    if START in doc and END in doc:
        doc = doc[: doc.index(START)] + block + doc[doc.index(END) + len(END):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(doc, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
