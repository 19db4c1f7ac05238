"""/api/v1/me: the caller, the key in use, what is left to spend, and data exports."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from django.utils import timezone

from generator.models import Budget
from lifecycle import exports
from lifecycle.models import DataExport
from tests.live import ApiTestCase, assert_error_shape


class AccountTests(ApiTestCase):
    def test_it_names_the_caller_and_the_key(self):
        Budget.objects.create(user=self.owner, monthly_points=10)
        token = self.key_for(self.owner, monthly_points=5)
        self.start_run(token=token)
        me = self.api("GET", "/me", token=token).json()
        assert me["username"] == "owner"
        assert me["key"]["prefix"] == token[:12] and me["key"]["monthly_points"] == 5
        assert me["key"]["points_this_month"] == 2
        mine = me["allowances"][0]
        assert (mine["budget"], mine["used"], mine["remaining"]) == (10, 2, 8)
        assert token not in str(me)


class ExportTests(ApiTestCase):
    def test_it_builds_a_zip_of_the_callers_data_and_lets_only_them_fetch_it(self):
        run_id = self.start_run().json()["id"]
        self.finish(run_id)
        asked = self.api("POST", "/me/exports")
        assert asked.status_code == 202, asked.text
        export = asked.json()
        assert export["state"] == "queued" and export["download_url"] is None
        assert self.api("POST", "/me/exports").json()["id"] == export["id"]  # no second build
        teammate = self.key_for(self.teammate)
        assert_error_shape(
            self.api("GET", f"/me/exports/{export['id']}", token=teammate), 404, "not_found"
        )

        assert exports.build_exports.call() == 1
        ready = self.api("GET", f"/me/exports/{export['id']}").json()
        assert ready["state"] == "ready" and ready["runs"] == 1
        download = self.session().get(ready["download_url"], timeout=30)
        assert download.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(download.content))
        assert [run["id"] for run in json.loads(archive.read("runs.json"))] == [run_id]
        assert self.token not in download.content.decode("latin-1")

        DataExport.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
        gone = self.api("GET", f"/me/exports/{export['id']}/download")
        assert_error_shape(gone, 410, "export_unavailable")
        assert self.api("GET", f"/me/exports/{export['id']}").json()["download_url"] is None
