"""scripts/load_submit.py, small: 4 clients × 5 submissions against the live test server,
then its verification through the ORM: one row, one attachment and one stored file each."""

import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from django.db import connection

from initiatives.models import Attachment, Initiative

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "load_submit.py"
CLIENTS, EACH = 4, 5


def load_script():
    if "load_submit" not in sys.modules:
        spec = importlib.util.spec_from_file_location("load_submit", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        sys.modules["load_submit"] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules["load_submit"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RATELIMIT_ENABLE = False  # what RATELIMIT_ENABLE=false does on a real server
    return settings.MEDIA_ROOT


def concurrent(clients: int) -> int:
    """The live server shares pytest's in-memory SQLite connection among its request threads,
    which cannot run transactions side by side: there the clients take turns (the concurrent
    run on a SQLite file is the command-line test below, and on PostgreSQL this one)."""
    return 1 if connection.vendor == "sqlite" and connection.is_in_memory_db() else clients


def test_concurrent_submissions_are_each_stored_once_with_their_file(live_server, demo, media):
    script = load_script()
    before = Initiative.objects.count()

    result = script.run_load(live_server.url, clients=concurrent(CLIENTS), total=CLIENTS * EACH, timeout=30)

    assert result.errors == {}, result.summary()
    assert result.attempts == result.ok == CLIENTS * EACH
    assert len(set(result.codes)) == CLIENTS * EACH
    check = script.verify(
        result.run, ok=result.ok, codes=result.codes, started_at=result.started_at, finished_at=result.finished_at
    )
    assert check.ok, check.summary()
    assert check.stored == CLIENTS * EACH

    mine = Initiative.objects.filter(title__startswith=f"[tai-thu {result.run}]")
    assert Initiative.objects.count() - before == mine.count() == CLIENTS * EACH
    assert mine.values("tracking_code").distinct().count() == CLIENTS * EACH
    assert mine.values("phone").distinct().count() == CLIENTS * EACH  # the per-phone limit never bites
    files = sorted(p.relative_to(media).as_posix() for p in (media / "evidence").rglob("*") if p.is_file())
    assert len(files) == CLIENTS * EACH
    assert files == sorted(Attachment.objects.filter(initiative__in=mine).values_list("file", flat=True))


def test_verification_finds_a_missing_file_an_orphan_and_a_count_mismatch(live_server, demo, media):
    script = load_script()
    result = script.run_load(live_server.url, clients=concurrent(2), total=2, timeout=30)
    assert result.ok == 2, result.summary()

    attachment = Attachment.objects.filter(initiative__title__startswith=f"[tai-thu {result.run}]").first()
    (media / attachment.file.name).unlink()
    (media / "evidence" / "orphan.pdf").write_bytes(b"%PDF-1.4\n")
    check = script.verify(result.run, ok=3, codes=result.codes + ["ZZZZ-ZZZZ-ZZZZ"])

    text = check.summary()
    assert not check.ok
    assert "2 initiatives stored" in text and "3 successful responses" in text
    assert "not in storage" in text
    assert "without an attachment row" in text and "orphan.pdf" in text
    assert "ZZZZ-ZZZZ-ZZZZ" in text


def test_form_values_vary_the_phone_and_stay_valid():
    script = load_script()
    form = script.Form(run="abc12345")
    phones = {dict(form.fields(n))["phone"] for n in range(1, 200)}
    assert len(phones) == 199
    assert all(p.startswith("09") and len(p) == 10 and p.isdigit() for p in phones)
    decided, applied = script.programme_dates(script.dt.date(2026, 9, 2))
    assert (decided, applied) == ("02/09/2026", "02/09/2026")  # never in the future
    assert script.programme_dates(script.dt.date(2027, 3, 1)) == ("04/09/2026", "06/09/2026")


def test_the_command_line_refuses_a_remote_server(capsys):
    script = load_script()
    with pytest.raises(SystemExit):
        script.main(["--url", "http://192.0.2.10:8000", "--total", "1"])
    assert "--allow-remote" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_command_line_against_a_server_process_on_a_sqlite_file(tmp_path):
    """The whole script as an operator runs it: a real server (runserver, threaded, on a SQLite
    file, rate limits off), concurrent clients, then --verify through DATABASE_URL."""
    root = SCRIPT.parent.parent
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SECRET_KEY": "load-test-only",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_MANIFEST": "false",
        "RATELIMIT_ENABLE": "false",
    }
    manage = [sys.executable, str(root / "manage.py")]
    for command in (["migrate", "--no-input", "-v0"], ["createcachetable"], ["load_demo"]):
        subprocess.run([*manage, *command], env=env, cwd=root, check=True, capture_output=True, timeout=300)

    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        run = subprocess.run(
            [sys.executable, str(SCRIPT), "--url", f"http://127.0.0.1:{port}",
             "--clients", str(CLIENTS), "--total", str(CLIENTS * EACH), "--verify", "--timeout", "30"],
            env=env, cwd=root, capture_output=True, text=True, timeout=300,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{CLIENTS * EACH} posted, {CLIENTS * EACH} stored" in run.stdout
    assert "errors: none" in run.stdout
    assert "verify: OK" in run.stdout
    evidence = [p for p in (tmp_path / "media" / "evidence").rglob("*") if p.is_file()]
    assert len(evidence) == CLIENTS * EACH


def test_form_spreads_posts_over_the_workplaces_it_is_given():
    script = load_script()
    places = [("T01", "GLA", "GLA-STANLEY"), ("T01", "GLA", "GLA-LIXIL")]
    form = script.Form(run="abc12345", workplaces=places)
    units = [dict(form.fields(n))["unit"] for n in range(4)]
    assert units == ["GLA-STANLEY", "GLA-LIXIL", "GLA-STANLEY", "GLA-LIXIL"]


@pytest.mark.urls("bench.bare_urls")
def test_the_load_baseline_view_hands_out_a_token_and_inserts_one_row_per_post(db):
    """bench/load.py's yardstick: the bare view must do what its name says, no more."""
    from django.test import Client

    from bench import bare_urls

    bare_urls.ensure_table()
    client = Client(enforce_csrf_checks=True)
    token = re.search(r'value="([^"]+)"', client.get("/submit/").content.decode()).group(1)
    response = client.post("/submit/", {"csrfmiddlewaretoken": token, "title": "x"})
    assert response.status_code == 302 and response["Location"] == "/submit/done/"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {bare_urls.TABLE}")
        assert cursor.fetchone()[0] == 1
    assert client.post("/submit/", {"title": "no token"}).status_code == 403
