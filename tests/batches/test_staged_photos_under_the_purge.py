"""Photos shared before a batch is made (staged) are copied onto its items while the
hourly purge of staged photos may be running: a photo is never deleted under a batch
that is taking it: the purge passes by the rows being copied (or waits for the copy),
and the file stays while an item refers to it. (A photo the purge took before the batch
looked makes its item say so: tests/galleries/test_phone_as_input.py.)

Transactional, with real threads: the batch form's request and the purge each on their
own connection, as on a web process and a worker."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from generator.keys import services as keys
from generator.models import Batch, InputImage, LedgerEntry, Run
from generator.runs.photos import photos_purge_staged
from tests.base import WATERCOLOR, TransactionalTrackingTestCase, photo
from tests.conftest import wait_until

FIELDS = {"style": "183854633550716522", "size": "1", "generate_num": "1"}
TEXT = "text_1838546335507165192"
SLOT = "cnet_17466175263110005"  # the watercolor app's photo field


class StagedPhotosUnderThePurgeTests(TransactionalTrackingTestCase):
    def draft_keeping_staged_photos(self) -> tuple[Batch, list[InputImage]]:
        """Two photos shared from a phone, kept on a draft whose texts did not pair yet;
        both shared more than a day ago, so the hourly purge may take them."""
        self.login()
        shared = self.client.post("/share/", {"photos": [photo("a.jpg"), photo("b.jpg")]})
        assert shared.status_code == 302
        staged = list(InputImage.objects.order_by("created"))
        wrong = self.client.post(
            f"/apps/{WATERCOLOR}/batch/",
            {"staged": [str(p.pk) for p in staged], TEXT: "red\nblue\ngreen", **FIELDS},
        )
        assert wrong.status_code == 200
        InputImage.objects.update(created=timezone.now() - timedelta(days=2))
        return Batch.objects.get(), staged

    def corrected_while_the_purge_runs(self, draft: Batch) -> int:
        """The corrected form is posted; right after the batch has looked at its staged
        photos, before it copies them, the hourly purge runs on a worker's thread."""

        def the_batchs_look(sql: str) -> bool:
            return 'FROM "generator_inputimage"' in sql and '"batch_item_id" IS NULL' in sql

        def post(client: Client):
            return client.post(
                f"/apps/{WATERCOLOR}/batch/", {"draft": str(draft.pk), TEXT: "red", **FIELDS}
            )

        answer, purged = self.while_the_purge_runs(post, after=the_batchs_look)
        assert answer.status_code == 302
        return purged

    def while_the_purge_runs(self, request, *, after) -> tuple[HttpResponse, int]:
        """`request(client)` on a web thread, paused right after its first SELECT that
        `after(sql)` names, while the hourly purge runs on a worker's thread. The purge
        finishes first, unless it must wait for the request: on SQLite, when that look is
        inside a transaction (IMMEDIATE: no other writer until it commits)."""
        looked, go = threading.Event(), threading.Event()
        seen = {"in_transaction": False}
        purged: list[int] = []
        answers: list[HttpResponse] = []

        def pause_after_the_look(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if not looked.is_set() and sql.lstrip().upper().startswith("SELECT") and after(sql):
                seen["in_transaction"] = connection.in_atomic_block
                looked.set()
                assert go.wait(60), "the test never let the request go on"
            return result

        def web_thread():
            try:
                client = Client()
                client.force_login(self.owner)
                with connection.execute_wrapper(pause_after_the_look):
                    answers.append(request(client))
            finally:
                connections.close_all()

        def purge():
            try:
                purged.append(photos_purge_staged())
            finally:
                connections.close_all()

        web = threading.Thread(target=web_thread)
        web.start()
        try:
            assert looked.wait(60), "the request never looked at the photos"
            worker = threading.Thread(target=purge)
            worker.start()
            writers_wait = seen["in_transaction"] and connection.vendor == "sqlite"
            assert wait_until(lambda: bool(purged) or writers_wait, timeout=60)
        finally:
            go.set()
            web.join(60)
        worker.join(60)
        assert len(answers) == 1 and len(purged) == 1
        return answers[0], purged[0]

    def uploaded_by_a_script_days_ago(self) -> tuple[dict[str, Any], str]:
        """A script's key and a photo it uploaded two days ago (the purge may take it)."""
        _key, token = keys.key_create(user=self.owner, name="script")
        auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        uploaded = self.client.post("/api/v1/uploads", {"file": photo("face.jpg")}, **auth)
        assert uploaded.status_code == 201, uploaded.content
        InputImage.objects.update(created=timezone.now() - timedelta(days=2))
        return auth, uploaded.json()["id"]

    @pytest.mark.storage
    def test_it_never_deletes_a_photo_under_a_batch_that_is_taking_it(self):
        draft, staged = self.draft_keeping_staged_photos()
        self.corrected_while_the_purge_runs(draft)
        # The batch took both photos: the purge left them while they were being copied
        # (or waited for the copy), and each item's file is there.
        items = list(draft.items.order_by("index"))
        assert [(item.label, item.state) for item in items] == [
            ("a.jpg", "ready"),
            ("b.jpg", "ready"),
        ]
        for item in items:
            assert self.stored(item.photos.get().file.name), item.label
        # The staged rows themselves go with the purge (now or next hour); the files the
        # items refer to stay.
        photos_purge_staged()
        assert not InputImage.objects.filter(pk__in=[p.pk for p in staged]).exists()
        for item in items:
            assert self.stored(item.photos.get().file.name), item.label
        assert "2 items ready" in self.client.get(draft.get_absolute_url()).content.decode()

    @pytest.mark.storage
    def test_a_photo_the_purge_takes_while_a_script_names_it_is_refused_never_copied(self):
        """A script names an upload of a day ago in a new batch; the purge takes it after
        the API found it and before the batch copies it: the batch is refused, saying
        which photo, and nothing is made or held."""
        auth, upload_id = self.uploaded_by_a_script_days_ago()
        body = {
            "app_id": WATERCOLOR,
            "style": "183854633550716522",
            "size": "1",
            "items": [{"label": "one", "photos": {SLOT: upload_id}}],
        }

        def the_apis_look(sql: str) -> bool:
            return 'FROM "generator_inputimage"' in sql

        def create(client: Client):
            return client.post("/api/v1/batches", body, content_type="application/json", **auth)

        answer, purged = self.while_the_purge_runs(create, after=the_apis_look)
        assert purged == 1  # the photo and its file went: nobody had taken it yet
        assert answer.status_code == 422, answer.content
        fields = answer.json()["fields"]
        assert fields == {f"items[0].{SLOT}": "This photo is no longer kept: upload it again."}
        assert not Batch.objects.exists() and not InputImage.objects.exists()
        assert not LedgerEntry.objects.exists()

    @pytest.mark.storage
    def test_a_photo_the_purge_takes_while_a_script_runs_it_is_refused_never_attached(self):
        """A script names an upload of a day ago in a run; the purge takes it after the API
        found it and before the run attaches it: the run is refused beside its photo and
        nothing is made, held or sent (runs/photos.py photos_attach reads the photo again,
        locked, in the run's transaction)."""
        auth, upload_id = self.uploaded_by_a_script_days_ago()
        body = {
            "app_id": WATERCOLOR,
            "style": "183854633550716522",
            "size": "1",
            "texts": {"1838546335507165192": "auburn"},
            "photos": {SLOT: upload_id},
        }

        def the_apis_look(sql: str) -> bool:
            return 'FROM "generator_inputimage"' in sql

        def run(client: Client):
            return client.post("/api/v1/runs", body, content_type="application/json", **auth)

        answer, purged = self.while_the_purge_runs(run, after=the_apis_look)
        assert purged == 1  # the photo and its file went: nobody had taken it yet
        assert answer.status_code == 422, answer.content
        assert answer.json()["fields"] == {SLOT: "This photo is no longer kept: choose it again."}
        assert not Run.objects.exists() and not InputImage.objects.exists()
        assert not LedgerEntry.objects.exists()
