"""Backup and restore: into an empty database and empty media, the history comes back whole."""

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from tests.base import TransactionalTrackingTestCase
from tests.conftest import ROOT
from tests.lifecycle.fingerprint import fingerprint

pytestmark = pytest.mark.storage


class BackupRestoreTests(TransactionalTrackingTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="a1backup-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def history(self):
        for state in ("completed", "completed", "failed"):
            run = self.start()
            self.finish_upstream(run, state)
            self.poll(run)
        self.client.post(f"/generations/{run.id}/favourite/", {"favourite": "1"})

    def empty_database(self) -> str:
        """A new, empty database of the same kind as the test database: its URL."""
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            return f"sqlite:///{self.tmp / 'restored.sqlite3'}"
        name = f"{db['NAME']}_restored"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        self.addCleanup(self.drop, name)
        password = db["PASSWORD"] or ""
        return f"postgres://{db['USER']}:{password}@{db['HOST']}:{db['PORT']}/{name}"

    def drop(self, name: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def empty_media(self) -> dict:
        """Settings for a new, empty media store of the kind in use: a folder, or a bucket."""
        if not settings.S3_BUCKET:
            return {"MEDIA_ROOT": str(self.tmp / "media")}
        s3: Any = default_storage  # an S3Storage here (django-storages ships no types)
        bucket = s3.bucket.meta.client.create_bucket(Bucket=f"restored-{uuid.uuid4().hex[:12]}")
        name = bucket["Location"].strip("/")
        self.addCleanup(self.drop_bucket, name)
        return {"S3_BUCKET": name}

    def drop_bucket(self, name: str) -> None:
        s3: Any = default_storage  # an S3Storage (django-storages ships no types)
        bucket = s3.connection.Bucket(name)
        bucket.objects.all().delete()
        bucket.delete()

    def manage(self, env: dict, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env={**os.environ, "DEBUG": "1", **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def test_a_restore_into_an_empty_database_and_media_gives_back_the_same_history(self):
        self.history()
        before = fingerprint("owner")
        assert json.loads(before)[0]["results"][0][2]  # images, by their bytes
        out = self.tmp / "backup"
        call_command("backup", str(out), stdout=io.StringIO())
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["database"]["engine"] == connection.vendor
        assert manifest["counts"]["runs"] == 3 and manifest["media"]["files"] == 3 + 2 * 2 * 2

        env = {"DATABASE_URL": self.empty_database(), **self.empty_media()}
        restored = self.manage(env, "restore", str(out))
        assert restored.returncode == 0, restored.stderr
        assert "Restored the backup" in restored.stdout
        probe = "from tests.lifecycle.fingerprint import fingerprint; print(fingerprint('owner'))"
        after = self.manage(env, "shell", "--no-imports", "-c", probe)
        assert after.returncode == 0, after.stderr
        assert after.stdout.strip() == before
        check = self.manage(env, "storage_check")
        assert check.returncode == 0, check.stdout
        again = self.manage(env, "restore", str(out))
        assert again.returncode != 0 and "not empty" in again.stderr

    def test_it_refuses_a_damaged_backup_before_touching_anything(self):
        self.history()
        out = self.tmp / "backup"
        call_command("backup", str(out), stdout=io.StringIO())
        with (out / "media.tar").open("r+b") as tar:
            tar.seek(600)
            tar.write(b"x")
        with pytest.raises(CommandError, match="damaged"):
            call_command("restore", str(out), force=True)
        with pytest.raises(CommandError, match="not empty"):
            call_command("backup", str(out))
