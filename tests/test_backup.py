"""`manage.py backup` and `manage.py restore`: the demo plus a submission with files, backed up,
then restored by a separate process into a fresh database and a fresh MEDIA_ROOT (PostgreSQL:
a new throwaway database; SQLite: a new file), and compared row by row and file by file."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from initiatives.models import Initiative
from portal import backup
from tests.initiatives.factories import PDF, PNG, submission, upload

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads what is committed


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RATELIMIT_ENABLE = False
    return settings.MEDIA_ROOT


@pytest.fixture
def submitted(client, demo, media):
    """The demo's data and one member's submission with two evidence files."""
    data = submission(files=[upload("bao-cao.pdf", PDF + b"sao-luu"), upload("anh.png", PNG)])
    response = client.post("/submit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    initiative = Initiative.objects.get(is_sample=False)
    assert initiative.attachments.count() == 2
    return initiative


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot() -> dict:
    """What must survive: every initiative, its history and files (by sha256), and the rest by count.
    Runs here against the test database and, in a subprocess, against the restored one."""
    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage

    from initiatives.models import Attachment, Initiative, StatusChange
    from quotas.models import Campaign, Unit

    def digest(name):
        with default_storage.open(name, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    return {
        "initiatives": sorted(
            [i.tracking_code, i.title, i.status, i.phone, i.unit.code, i.submitted_at.isoformat()]
            for i in Initiative.objects.select_related("unit")
        ),
        "attachments": sorted(
            [a.initiative.tracking_code, a.file.name, a.original_name, a.size, digest(a.file.name)]
            for a in Attachment.objects.select_related("initiative")
        ),
        "history": StatusChange.objects.count(),
        "units": Unit.objects.count(),
        "campaigns": sorted(Campaign.objects.values_list("slug", "is_open")),
        "users": sorted(get_user_model().objects.values_list("username", flat=True)),
    }


SNAPSHOT = (
    "import json, django; django.setup(); "
    "from tests.test_backup import snapshot; print(json.dumps(snapshot(), default=str))"
)


def as_json(value):
    return json.loads(json.dumps(value, default=str))


def production_env(database_url: str, media_root: Path) -> dict:
    """The environment of a restore on a server: production settings, the target database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        SECRET_KEY="restore-test-only",
        DEBUG="false",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
    )
    return env


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of the test database's kind, dropped afterwards; yields its URL."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    if connection.vendor != "postgresql":
        pytest.skip(f"no restore test for {connection.vendor}")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not installed")  # only the PostgreSQL part needs them
    import psycopg

    name = f"csk_restore_{uuid.uuid4().hex[:12]}"
    params = {
        "dbname": "postgres",
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
    }
    params = {k: v for k, v in params.items() if v is not None}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = quote(settings_dict.get("USER") or "", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    try:
        yield f"postgres://{user}{password}@{host}{port}/{name}"
    finally:
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_then_restore_into_a_fresh_database_keeps_every_initiative_and_file(
    submitted, media, tmp_path, fresh_database
):
    before = snapshot()
    source_files = {p.relative_to(media).as_posix(): sha256(p) for p in media.rglob("*") if p.is_file()}
    assert len(source_files) == 2 and len(before["attachments"]) == 2

    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    [archive] = (tmp_path / "backups").glob("congsangkien-*.tar.gz")
    assert str(archive) in out.getvalue()
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # personal data: owner only

    manifest = backup.read_manifest(archive)
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["file_count"] == 2
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == source_files
    assert "0005_personal_data_access" in manifest["migrations"]["initiatives"]
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
    assert names == sorted(["manifest.json", manifest["database"]["file"], *(f"media/{p}" for p in source_files)])

    restored_media = tmp_path / "restored-media"
    env = production_env(fresh_database, restored_media)
    result = manage(env, "restore", str(archive))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sha256" in result.stdout

    after = subprocess.run(
        [sys.executable, "-c", SNAPSHOT], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == as_json(before)
    assert {p.relative_to(restored_media).as_posix(): sha256(p) for p in restored_media.rglob("*") if p.is_file()} == source_files

    # The target now has data: a second restore is refused unless the operator says --yes.
    again = manage(env, "restore", str(archive))
    assert again.returncode != 0 and "--yes" in again.stderr
    forced = manage(env, "restore", str(archive), "--yes")
    assert forced.returncode == 0, forced.stdout + forced.stderr


def test_restore_refuses_the_database_it_would_overwrite(submitted, media, tmp_path):
    call_command("backup", output=str(tmp_path), stdout=io.StringIO())
    [archive] = tmp_path.glob("congsangkien-*.tar.gz")
    with pytest.raises(CommandError, match="Từ chối khôi phục.*--yes"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert Initiative.objects.filter(is_sample=False).count() == 1


def rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of the archive with `change(name, data)` applied to each member's bytes."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = source.extractfile(member).read()
            data = change(member.name, data)
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


def test_a_changed_file_is_found_before_anything_is_restored(submitted, media, tmp_path):
    call_command("backup", output=str(tmp_path), stdout=io.StringIO())
    [archive] = tmp_path.glob("congsangkien-*.tar.gz")
    evidence = submitted.attachments.order_by("pk").first().file.name
    tampered = rewrite(
        archive, tmp_path / "tampered.tar.gz",
        lambda name, data: data + b"x" if name == f"media/{evidence}" else data,
    )
    missing = rewrite(
        archive, tmp_path / "missing.tar.gz", lambda name, data: None if name == f"media/{evidence}" else data
    )
    before = snapshot()
    with pytest.raises(CommandError, match="sai sha256"):
        call_command("restore", str(tampered), "--yes", stdout=io.StringIO())
    with pytest.raises(CommandError, match="thiếu 1 tệp"):
        call_command("restore", str(missing), "--yes", stdout=io.StringIO())
    assert snapshot() == before


def test_an_archive_with_a_path_outside_its_folder_is_refused(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("media/../../etc/cron.d/x")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(backup.BackupError, match="không hợp lệ"):
        backup.extract_verified(evil, tmp_path / "out")
    assert not (tmp_path / "etc").exists()


def test_keep_leaves_only_the_newest_archives(tmp_path):
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        (tmp_path / f"congsangkien-{stamp}.tar.gz").write_bytes(b"")
    (tmp_path / "something-else.tar.gz").write_bytes(b"")
    removed = backup.prune(tmp_path, keep=2)
    assert [p.name for p in removed] == ["congsangkien-20260101T000000Z.tar.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "congsangkien-20260102T000000Z.tar.gz", "congsangkien-20260103T000000Z.tar.gz", "something-else.tar.gz"
    ]


def test_pg_connection_options_keep_the_password_out_of_the_command_line():
    args, env = backup.pg_connection_args(
        {"NAME": "csk", "USER": "app", "PASSWORD": "bí mật", "HOST": "db", "PORT": 5433, "OPTIONS": {"sslmode": "require"}}
    )
    assert args == ["--no-password", "--host=db", "--port=5433", "--username=app", "--dbname=csk"]
    assert env["PGPASSWORD"] == "bí mật" and env["PGSSLMODE"] == "require"
    assert not any("bí mật" in a for a in args)
