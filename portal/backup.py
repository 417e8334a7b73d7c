"""Backups of the portal: the database and the uploaded evidence files in one archive.

An archive is a tar.gz holding

    manifest.json              time, database vendor, applied migrations, sha256 of every file
    database.dump              PostgreSQL: `pg_dump --format=custom`
    database.sqlite3           SQLite: a copy made with the sqlite3 online backup API
    media/<name in storage>    every file under MEDIA_ROOT (evidence/YYYY/MM/<uuid>.pdf, ...)

The database is dumped first and the files copied afterwards, so every file a row of the dump
names is in the archive (a file uploaded in between is merely an extra). Restoring verifies the
sha256 of every member before it touches anything, and again after copying the files into place.

The commands `manage.py backup` and `manage.py restore` are thin wrappers around this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.db import connections

FORMAT = 1
PREFIX = "congsangkien-"
SUFFIX = ".tar.gz"
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_MEMBERS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024

# Rows that `migrate` itself writes into an empty database: not "data" for the restore's check.
_MIGRATE_MADE = {("contenttypes", "contenttype"), ("auth", "permission")}
# libpq's environment variables for the connection OPTIONS that dj-database-url passes on.
_PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
}

Log = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


def _quiet(_message: str) -> None:
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """Reads a file for tarfile while computing its sha256, so each file is read only once."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


# ------------------------------------------------------------------ where things are


def vendor_of(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu loại “{vendor}” (chỉ PostgreSQL và SQLite).")
    return vendor


def media_root() -> Path:
    """The folder the default storage writes to. Evidence on object storage (S3) is not a
    folder: its backups are the bucket's own versioning/replication (see docs/DEPLOY.md)."""
    from django.core.files.storage import FileSystemStorage, storages

    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise BackupError(
            f"Tệp minh chứng không nằm trên đĩa (storage {type(storage).__name__}); "
            "hãy sao lưu bucket riêng và chạy lại với --skip-media."
        )
    return Path(storage.location)


def media_files(root: Path) -> list[str]:
    """Every regular file under root, as sorted POSIX paths relative to it (symlinks skipped)."""
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(folder, d)))
        for name in files:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def applied_migrations(using: str = "default") -> dict[str, list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return {}
    state: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        state.setdefault(app, []).append(name)
    return state


def migrations_on_disk() -> dict[str, list[str]]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    state: dict[str, list[str]] = {}
    for app, name in sorted(loader.disk_migrations):
        state.setdefault(app, []).append(name)
    return state


# ------------------------------------------------------------------ PostgreSQL tools


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Không tìm thấy {name}: cài gói postgresql-client cùng phiên bản chính với máy chủ PostgreSQL."
        )
    return path


def pg_connection_args(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment for pg_dump/pg_restore from a DATABASES entry:
    host, port, user and database name as options, the password only in PGPASSWORD."""
    args = ["--no-password"]
    if settings_dict.get("HOST"):
        args.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        args.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        args.append(f"--username={settings_dict['USER']}")
    args.append(f"--dbname={settings_dict['NAME']}")
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    for option, variable in _PG_OPTION_ENV.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value not in (None, ""):
            env[variable] = str(value)
    return args, env


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tool = os.path.basename(command[0])
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{tool} thất bại (mã {result.returncode}): {detail}")
    return result.stdout


# ------------------------------------------------------------------ database


def dump_database(dest: Path, using: str = "default") -> dict:
    """Write the database to dest; returns the manifest's `database` entry (without sha256)."""
    connection = connections[using]
    vendor = vendor_of(using)
    info = {"vendor": vendor, "name": str(connection.settings_dict["NAME"]), "file": dest.name}
    if vendor == "postgresql":
        args, env = pg_connection_args(connection.settings_dict)
        _run([pg_tool("pg_dump"), "--format=custom", f"--file={dest}", *args], env)
        _run([pg_tool("pg_restore"), "--list", str(dest)])  # the dump can be read back
        info["tool"] = _run([pg_tool("pg_dump"), "--version"]).strip()
        connection.ensure_connection()
        info["server_version"] = connection.pg_version
    else:
        target = sqlite3.connect(dest)
        try:
            if connection.is_in_memory_db():
                # The test suite's in-memory database exists only inside Django's connection.
                connection.ensure_connection()
                connection.connection.backup(target)
            else:
                path = Path(connection.settings_dict["NAME"])
                if not path.is_file():
                    raise BackupError(f"Không có tệp cơ sở dữ liệu SQLite {path}.")
                source = sqlite3.connect(path)
                try:
                    source.backup(target)
                finally:
                    source.close()
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"Bản sao SQLite không toàn vẹn: {check}")
        finally:
            target.close()
        info["tool"] = f"sqlite3 online backup API (SQLite {sqlite3.sqlite_version})"
    return info


def database_has_data(using: str = "default") -> bool:
    """True when any table of an installed model has a row, except what `migrate` writes
    into an empty database (content types and permissions)."""
    from django.apps import apps

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if (meta.app_label, meta.model_name) in _MIGRATE_MADE or meta.db_table not in tables:
                continue
            if not meta.managed or meta.proxy:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(meta.db_table)} LIMIT 1")
            if cursor.fetchone():
                return True
    return False


def load_database(dump: Path, vendor: str, using: str = "default") -> None:
    """Replace the database's contents with the dump. Django's own connection is closed
    first; other processes (the app servers) should be stopped during a restore."""
    connection = connections[using]
    if vendor == "postgresql":
        connection.close()
        args, env = pg_connection_args(connection.settings_dict)
        _run(
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(dump),
            ],
            env,
        )
        return
    source = sqlite3.connect(dump)
    try:
        if connection.is_in_memory_db():
            connection.ensure_connection()
            source.backup(connection.connection)
        else:
            connection.close()
            target = sqlite3.connect(connection.settings_dict["NAME"])
            try:
                # The online backup API writes the pages into the live file under its locks,
                # which is safer than copying over a file another connection may have open.
                source.backup(target)
            finally:
                target.close()
    finally:
        source.close()


# ------------------------------------------------------------------ backup


def archive_name(moment: dt.datetime) -> str:
    return f"{PREFIX}{moment.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}{SUFFIX}"


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    pruned: list[Path] = field(default_factory=list)


def create_backup(
    output_dir: Path | str,
    *,
    using: str = "default",
    include_media: bool = True,
    keep: int | None = None,
    log: Log = _quiet,
) -> BackupResult:
    """Write one archive into output_dir and return it. The archive is written under a
    temporary name and renamed when complete, readable by its owner only (it holds personal
    data: names, phone and ID numbers)."""
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    vendor = vendor_of(using)
    root = media_root() if include_media else None

    final = output / archive_name(started)
    counter = 1
    while final.exists():
        counter += 1
        final = output / f"{archive_name(started).removesuffix(SUFFIX)}-{counter}{SUFFIX}"

    with tempfile.TemporaryDirectory(prefix=".backup-", dir=output) as work:
        work = Path(work)
        dump = work / DATABASE_MEMBERS[vendor]
        log(f"Đang sao lưu cơ sở dữ liệu ({vendor}) …")
        migrations = applied_migrations(using)  # read just before the dump, which should match it
        database = dump_database(dump, using)
        database["sha256"] = sha256_file(dump)
        database["size"] = dump.stat().st_size

        partial = work / (final.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        files: list[dict] = []
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_file(tar, dump, dump.name)
            if root is not None:
                names = media_files(root)
                log(f"Đang sao lưu {len(names)} tệp trong {root} …")
                for name in names:
                    entry = _add_media_file(tar, root, name)
                    if entry is not None:
                        files.append(entry)
            manifest = {
                "format": FORMAT,
                "app": "congsangkien",
                "created_at": started.isoformat(),
                "finished_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
                "django_version": django.get_version(),
                "database": database,
                "migrations": migrations,
                "media": {
                    "included": root is not None,
                    "media_root": str(root) if root is not None else None,
                    "bytes": sum(f["size"] for f in files),
                },
                "file_count": len(files),
                "files": files,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mode = 0o600
            info.mtime = int(started.timestamp())
            tar.addfile(info, _BytesReader(data))
        os.replace(partial, final)

    pruned = prune(output, keep) if keep else []
    return BackupResult(path=final, manifest=manifest, pruned=pruned)


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.offset + size
        chunk = self.data[self.offset : end]
        self.offset += len(chunk)
        return chunk


def _add_file(tar: tarfile.TarFile, path: Path, arcname: str) -> _HashingReader:
    with open(path, "rb") as handle:
        info = tar.gettarinfo(fileobj=handle, arcname=arcname)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mode = 0o600
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return reader


def _add_media_file(tar: tarfile.TarFile, root: Path, name: str) -> dict | None:
    try:
        reader = _add_file(tar, root / name, f"{MEDIA}/{name}")
    except FileNotFoundError:  # deleted since the walk (a failed upload cleaned up): not needed
        return None
    return {"path": name, "sha256": reader.digest.hexdigest(), "size": reader.size}


def prune(output: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives this command wrote in output."""
    archives = sorted(p for p in output.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    old = archives[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
    return old


# ------------------------------------------------------------------ restore


def _member_target(name: str) -> PurePosixPath:
    """The member's path inside the extraction folder; nothing absolute, no '..', and only
    what an archive of ours holds."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"Tệp lưu trữ chứa đường dẫn không hợp lệ: {name!r}")
    if path.parts[0] == MEDIA and len(path.parts) > 1:
        return path
    if name == MANIFEST or name in DATABASE_MEMBERS.values():
        return path
    raise BackupError(f"Tệp lưu trữ chứa thành phần lạ: {name!r}")


def extract_verified(archive: Path | str, dest: Path) -> dict:
    """Extract the archive into dest and check it against its manifest: the database file and
    every media file present, with the sha256 recorded, and nothing else. Returns the manifest."""
    digests: dict[str, str] = {}
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BackupError(f"Tệp lưu trữ chứa liên kết hoặc tệp đặc biệt: {member.name!r}")
                relative = _member_target(member.name)
                if relative.as_posix() in digests:
                    raise BackupError(f"Tệp lưu trữ chứa {member.name!r} hai lần.")
                target = dest.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                source = tar.extractfile(member)
                with open(target, "wb") as out:
                    for chunk in iter(lambda: source.read(CHUNK), b""):
                        digest.update(chunk)
                        out.write(chunk)
                digests[relative.as_posix()] = digest.hexdigest()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"Không đọc được tệp lưu trữ {archive}: {error}") from error

    if MANIFEST not in digests:
        raise BackupError("Tệp lưu trữ không có manifest.json.")
    try:
        manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Định dạng bản sao lưu {manifest.get('format')!r} không được hỗ trợ.")
        expected = {manifest["database"]["file"]: manifest["database"]["sha256"]}
        expected.update({f"{MEDIA}/{f['path']}": f["sha256"] for f in manifest["files"]})
        counted = manifest["file_count"] == len(manifest["files"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"manifest.json không hợp lệ: {error!r}") from error
    present = {name: digest for name, digest in digests.items() if name != MANIFEST}
    missing = sorted(set(expected) - set(present))
    extra = sorted(set(present) - set(expected))
    wrong = sorted(name for name in set(expected) & set(present) if expected[name] != present[name])
    problems = []
    if missing:
        problems.append(f"thiếu {len(missing)} tệp (ví dụ {missing[0]})")
    if extra:
        problems.append(f"thừa {len(extra)} tệp không có trong manifest (ví dụ {extra[0]})")
    if wrong:
        problems.append(f"{len(wrong)} tệp sai sha256 (ví dụ {wrong[0]})")
    if not counted:
        problems.append("file_count khác số tệp")
    if problems:
        raise BackupError("Bản sao lưu không khớp manifest: " + "; ".join(problems) + ".")
    return manifest


def read_manifest(archive: Path | str) -> dict:
    with tarfile.open(archive, mode="r:gz") as tar:
        member = tar.getmember(MANIFEST)
        return json.loads(tar.extractfile(member).read().decode("utf-8"))


def restore_media(source: Path, root: Path, files: list[dict], log: Log = _quiet) -> int:
    """Copy each file into root (written beside its place, checked, then renamed into it)
    and verify its sha256 in place. Files in root that the backup does not have are left."""
    for entry in files:
        relative = _member_target(f"{MEDIA}/{entry['path']}").relative_to(MEDIA)
        target = root.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(source.joinpath(*relative.parts), temporary)
        os.replace(temporary, target)
        if sha256_file(target) != entry["sha256"]:
            raise BackupError(f"Tệp {entry['path']} sau khi khôi phục sai sha256.")
    return len(files)


@dataclass
class RestoreResult:
    manifest: dict
    files: int
    left_in_place: int
    migration_notes: list[str]


def restore_backup(
    archive: Path | str, *, using: str = "default", force: bool = False, include_media: bool = True, log: Log = _quiet
) -> RestoreResult:
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"Không có tệp {archive}.")
    vendor = vendor_of(using)
    root = media_root() if include_media else None

    with tempfile.TemporaryDirectory(prefix="congsangkien-restore-") as work:
        work = Path(work)
        log(f"Đang kiểm tra {archive.name} (sha256 từng tệp) …")
        manifest = extract_verified(archive, work)
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                f"Bản sao lưu là của {manifest['database']['vendor']}, cơ sở dữ liệu đích là {vendor}: không khôi phục được."
            )
        if include_media and not manifest["media"]["included"]:
            raise BackupError("Bản sao lưu không có tệp minh chứng; chạy lại với --skip-media nếu đúng ý.")

        occupied = []
        if database_has_data(using):
            occupied.append(f"cơ sở dữ liệu {connections[using].settings_dict['NAME']} đã có dữ liệu")
        existing = media_files(root) if root is not None else []
        if existing:
            occupied.append(f"{root} đã có {len(existing)} tệp")
        if occupied and not force:
            raise BackupError(
                "Từ chối khôi phục: " + "; ".join(occupied) + ". Dữ liệu hiện có sẽ bị ghi đè — "
                "kiểm tra lại đích rồi chạy lại với --yes."
            )

        log(f"Đang khôi phục cơ sở dữ liệu ({vendor}) …")
        load_database(work / manifest["database"]["file"], vendor, using)
        restored = 0
        left = 0
        if root is not None:
            log(f"Đang khôi phục {manifest['file_count']} tệp vào {root} …")
            restored = restore_media(work / MEDIA, root, manifest["files"], log)
            left = len(set(existing) - {f["path"] for f in manifest["files"]})

    connections[using].close()
    return RestoreResult(manifest=manifest, files=restored, left_in_place=left, migration_notes=migration_notes(manifest))


def migration_notes(manifest: dict) -> list[str]:
    """How the backup's migration state compares with this code's migrations."""
    backup = {(app, name) for app, names in manifest.get("migrations", {}).items() for name in names}
    disk = {(app, name) for app, names in migrations_on_disk().items() for name in names}
    notes = []
    unknown = sorted(backup - disk)
    pending = sorted(disk - backup)
    if unknown:
        notes.append(
            f"Bản sao lưu có {len(unknown)} migration mà mã nguồn này không có (ví dụ {unknown[0][0]}.{unknown[0][1]}): "
            "hãy triển khai đúng phiên bản mã nguồn đã tạo bản sao lưu."
        )
    if pending:
        notes.append(
            f"Mã nguồn có {len(pending)} migration chưa áp dụng trong bản sao lưu: chạy `python manage.py migrate`."
        )
    return notes
