"""Backup and restore with the standard tools, behind `manage.py backup` and `restore`.

A backup is a folder: the database (PostgreSQL: `pg_dump` custom format; SQLite: a copy
made through SQLite's online backup API, consistent while the portal writes), the media
as one tar read through the storage API (a local folder and S3 alike), and
manifest.json with what is inside and each file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from generator.files.audit import stored_names
from generator.models import InputImage, ResultImage, Run

MANIFEST = "manifest.json"
MEDIA = "media.tar"
FORMAT = 1


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(db: dict) -> dict:
    """libpq's own variables: the password never appears on a command line."""
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client).")
    return found


def _run(command: list[str], env: dict) -> None:
    # Our own pg_dump/pg_restore with paths we built; no shell, no user input.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _database_backup(alias: str, target: Path) -> dict:
    connection = connections[alias]
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        path = target / "database.sqlite3"
        source = sqlite3.connect(db["NAME"], timeout=60)
        copy = sqlite3.connect(path)
        try:
            source.backup(copy)  # page by page, consistent while others write
        finally:
            copy.close()
            source.close()
    elif connection.vendor == "postgresql":
        path = target / "database.dump"
        _run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", f"--file={path}"],
            _pg_env(db),
        )
    else:
        raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
    return {"engine": connection.vendor, "file": path.name, "sha256": _sha256(path)}


def _media_backup(storage: Storage, target: Path) -> dict:
    path = target / MEDIA
    count = size = 0
    with tarfile.open(path, "w") as tar:
        for name in sorted(stored_names(storage)):
            info = tarfile.TarInfo(name)
            info.size = storage.size(name)
            info.mtime = int(storage.get_modified_time(name).timestamp())
            with storage.open(name, "rb") as fh:
                tar.addfile(info, fh)
            count, size = count + 1, size + info.size
    return {"file": MEDIA, "files": count, "bytes": size, "sha256": _sha256(path)}


def _counts() -> dict:
    return {
        "users": get_user_model()._default_manager.count(),
        "runs": Run.objects.count(),
        "photos": InputImage.objects.count(),
        "results": ResultImage.objects.count(),
    }


def backup_make(
    *, target: Path, alias: str = "default", storage: Storage = default_storage
) -> dict:
    """Write a backup into `target` (a new or empty folder); returns the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: give a new folder for each backup.")
    target.mkdir(parents=True, exist_ok=True)
    recorder = MigrationRecorder(connections[alias])
    manifest = {
        "format": FORMAT,
        "created": timezone.now().isoformat(),
        "migrations": sorted(
            f"{app}.{name}" for app, name in recorder.applied_migrations() if app == "generator"
        )[-1:],
        "counts": _counts(),
        # The database first: a file added while the media is read is one no row needs.
        "database": _database_backup(alias, target),
        "media": _media_backup(storage, target),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def backup_read(source: Path) -> dict:
    """The manifest, after checking every file it lists is there and intact."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} has no {MANIFEST}: not a backup.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for part in (manifest["database"], manifest["media"]):
        path = source / part["file"]
        if not path.exists() or _sha256(path) != part["sha256"]:
            raise BackupError(f"{path} is missing or damaged (its SHA-256 does not match).")
    return manifest


def _database_is_empty(alias: str) -> bool:
    connection = connections[alias]
    tables = set(connection.introspection.table_names())
    if Run._meta.db_table not in tables:
        return True
    return not get_user_model()._default_manager.using(alias).exists()


def _database_restore(alias: str, source: Path, part: dict) -> None:
    connection = connections[alias]
    if connection.vendor != part["engine"]:
        raise BackupError(
            f"This backup is of a {part['engine']} database; DATABASE_URL is {connection.vendor}."
        )
    db = connection.settings_dict
    connection.close()
    if connection.vendor == "sqlite":
        backup = sqlite3.connect(source / part["file"])
        live = sqlite3.connect(db["NAME"], timeout=60)
        try:
            backup.backup(live)
        finally:
            live.close()
            backup.close()
    else:
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                f"--dbname={db['NAME']}",
                str(source / part["file"]),
            ],
            _pg_env(db),
        )


def _media_restore(storage: Storage, source: Path, *, replace: bool) -> int:
    count = 0
    with tarfile.open(source / MEDIA, "r") as tar:
        for member in tar:
            if not member.isfile():
                continue
            name = PurePosixPath(member.name)
            if name.is_absolute() or ".." in name.parts:
                raise BackupError(f"Refusing a file outside the media folder: {member.name}")
            if replace and storage.exists(str(name)):
                storage.delete(str(name))
            saved = storage.save(str(name), File(tar.extractfile(member)))
            if saved != str(name):
                raise BackupError(f"{member.name} was stored as {saved}: the media was not empty.")
            count += 1
    return count


def backup_restore(
    *,
    source: Path,
    alias: str = "default",
    storage: Storage = default_storage,
    force: bool = False,
) -> dict:
    """Restore a backup into an empty database and an empty media storage."""
    manifest = backup_read(source)
    if not force:
        if not _database_is_empty(alias):
            raise BackupError(
                "The database is not empty (it has users): use --force to replace it."
            )
        if next(iter(stored_names(storage)), None) is not None:
            raise BackupError("The media storage is not empty: restore into an empty one.")
    _database_restore(alias, Path(source), manifest["database"])
    manifest["restored_files"] = _media_restore(storage, Path(source), replace=force)
    return manifest
