"""A person's data export: one ZIP built by the worker, a notice, a link that expires."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from generator.files.audit import stored_names
from generator.models import Run
from lifecycle import exports, retention
from lifecycle.models import DataExport
from tests.base import TrackingTestCase

pytestmark = pytest.mark.storage


def stored_bytes(field) -> bytes:
    with field.storage.open(field.name, "rb") as fh:
        return fh.read()


class ExportTests(TrackingTestCase):
    def ask(self, user=None):
        self.login(user or self.owner)
        return self.client.post("/account/export/")

    def test_a_person_downloads_one_zip_of_their_runs_photos_and_results(self):
        mine = self.finished()
        trashed = self.finished(state="failed")
        self.client.post(f"/generations/{trashed.id}/delete/")
        theirs = self.finished(user=self.teammate)
        Run.objects.filter(pk=theirs.pk).update(visibility="team")
        assert self.ask()["Location"] == "/account/"
        self.ask()  # a second click while it is prepared asks for nothing more
        waiting = self.client.get("/account/").content.decode()
        assert "Being prepared" in waiting and 'hx-trigger="every 2s"' in waiting
        assert exports.build_exports.call() == 1
        fragment = self.client.get("/account/", HTTP_HX_REQUEST="true").content.decode()
        assert "hx-trigger" not in fragment and "<html" not in fragment
        export = DataExport.objects.get()
        assert f"/account/exports/{export.id}/" in fragment
        notice = self.client.get("/history/").content.decode()
        assert "Your data export is ready" in notice

        response = self.client.get(f"/account/exports/{export.id}/")
        assert response["Content-Type"] == "application/zip"
        assert response["Content-Disposition"].startswith('attachment; filename="a1studio-owner-')
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        runs = {run["id"]: run for run in json.loads(archive.read("runs.json"))}
        assert set(runs) == {str(mine.id), str(trashed.id)}  # a teammate's run is theirs
        assert runs[str(trashed.id)]["in_trash_since"] is not None
        assert runs[str(mine.id)]["choices"] == mine.params
        photo = runs[str(mine.id)]["photos"][0]
        assert archive.read(photo["file"]) == stored_bytes(mine.inputs.get().file)
        for result, row in zip(mine.results.all(), runs[str(mine.id)]["results"], strict=True):
            assert archive.read(row["file"]) == stored_bytes(result.file)
        account = json.loads(archive.read("account.json"))
        assert account["username"] == "owner" and account["teams"][0]["name"] == "Studio"
        assert "README.txt" in archive.namelist()
        assert "Your data export is ready" not in self.client.get("/history/").content.decode()

    def test_only_the_person_and_staff_can_download_it(self):
        self.finished()
        self.ask()
        exports.build_exports.call()
        export = DataExport.objects.get()
        for user, status in [(self.teammate, 404), (self.outsider, 404), (self.staff, 200)]:
            self.login(user)
            assert self.client.get(f"/account/exports/{export.id}/").status_code == status

    def test_the_link_expires_and_the_daily_job_removes_the_file(self):
        self.finished()
        self.ask()
        exports.build_exports.call()
        export = DataExport.objects.get()
        name = export.file.name
        DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
        expired = self.client.get(f"/account/exports/{export.id}/")
        assert expired.status_code == 410 and b"This link has expired" in expired.content
        log = retention.retention_sweep(now=timezone.now() + timedelta(minutes=1))
        assert log.counts["exports"] == 1 and not DataExport.objects.exists()
        assert not default_storage.exists(name)

    def test_staff_make_one_for_anyone_and_only_staff_see_it(self):
        self.finished(user=self.teammate)
        self.login(self.staff)
        self.client.post(
            "/admin/auth/user/", {"action": "export_data", "_selected_action": [self.teammate.pk]}
        )
        exports.build_exports.call()
        export = DataExport.objects.get()
        assert export.user == self.teammate and export.requested_by == self.staff
        page = self.client.get("/staff/data/").content.decode()
        assert f"/account/exports/{export.id}/" in page and "teammate" in page
        assert self.client.get(f"/account/exports/{export.id}/").status_code == 200
        self.login(self.teammate)
        assert "Your data export is ready" not in self.client.get("/account/").content.decode()
        assert self.client.get(f"/account/exports/{export.id}/").status_code == 404

    def test_an_export_removed_while_it_was_built_keeps_no_file(self):
        self.finished()
        self.ask()
        export = exports.export_claim()
        DataExport.objects.filter(pk=export.pk).delete()  # its person was erased meanwhile
        exports.export_build(export=export)
        assert not DataExport.objects.exists()
        assert not any(name.startswith("exports/") for name in stored_names(default_storage))
