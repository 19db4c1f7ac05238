"""What moderation hides is hidden from every output: a run staff hid and a run in its
owner's trash, tried through every way out, as their owner, a teammate and staff.

Staff still review both where they look (the run page, its fragment, the media views
and the admin); nothing of them is downloaded, zipped, exported, answered by the API or
the gateway, or sent to a webhook, to anyone, staff included.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from gateway.links import RESULT, link_for
from gateway.views import task_id_of
from generator.batches import pacing as batch_pacing
from generator.keys import services as keys
from generator.keys import webhooks
from generator.models import ApiKey, Batch, Run, WebhookDelivery
from lifecycle import exports
from lifecycle.models import DataExport
from tests.base import TrackingTestCase, photo
from tests.batches.base import BatchTestCase
from tests.keys.webhook_receiver import Receiver
from tests.live import WATERCOLOR_RUN

pytestmark = pytest.mark.storage
ROLES = ("owner", "teammate", "staff")


def unzipped(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@override_settings(API_RATE_BURST=1000, API_RATE_PER_MINUTE=6000)
class ModerationTests(BatchTestCase):
    """One batch of three runs shared with the team: one stays, staff hide one (in the
    admin), its owner moves one to the trash."""

    def setUp(self):
        super().setUp()
        batch = self.prepared(n=3, visibility="team", team=str(self.team.pk))
        self.client.post(f"{batch.get_absolute_url()}start/")
        self.tick(times=3)
        self.drive_runs(batch)
        assert batch_pacing.batches_settle() == 1
        self.batch = Batch.objects.get(pk=batch.pk)
        self.kept, self.hidden, self.trashed = self.batch.runs.order_by("batch_item__index")
        for run in (self.kept, self.hidden, self.trashed):
            assert run.state == "completed" and run.results.count() == 1
        self.tokens = {
            role: keys.key_create(user=self.user(role), name="script")[1] for role in ROLES
        }
        # The owner's script read its tasks while they were shown: it holds their links.
        self.old_links = {
            run.pk: self.gateway("owner", f"/tasks/{task_id_of(run)}").json()["data"]["images"]
            for run in (self.hidden, self.trashed)
        }
        self.login(self.staff)
        hidden = self.client.post(
            "/admin/generator/run/",
            {"action": "hide", "_selected_action": [self.hidden.pk]},
        )
        assert hidden.status_code == 302
        self.login(self.owner)
        # Deleting lands on history with a one-time Undo (it names the run, not its images).
        undo = self.client.post(f"/generations/{self.trashed.pk}/delete/", follow=True)
        assert "is in the trash" in undo.content.decode()
        self.hidden.refresh_from_db()
        self.trashed.refresh_from_db()
        assert self.hidden.hidden and self.trashed.deleted_at

    # --- helpers -------------------------------------------------------------------

    def user(self, role):
        return getattr(self, role)

    def as_(self, role):
        self.client.force_login(self.user(role))
        return self.client

    def api(self, role, path):
        return self.client.get(
            f"/api/v1{path}", headers={"Authorization": f"Bearer {self.tokens[role]}"}
        )

    def gateway(self, role, path):
        return self.client.get(f"/open-api/v1/a1{path}", headers={"apiKey": self.tokens[role]})

    def gone(self):
        return (self.hidden, self.trashed)

    def marks_of(self, run: Run) -> set[str]:
        """Every id by which an output could carry the run or one of its images."""
        marks = {str(run.pk), run.pk.hex, task_id_of(run)}
        marks |= {str(pk) for pk in run.results.values_list("pk", flat=True)}
        marks |= {str(pk) for pk in run.inputs.values_list("pk", flat=True)}
        for result in run.results.all():
            marks |= {(f.name or "").rsplit("/", 1)[-1] for f in (result.file, result.thumbnail)}
        return marks

    def assert_nothing_of_the_gone_in(self, text: str, where: str) -> None:
        for run in self.gone():
            found = [mark for mark in self.marks_of(run) if mark in text]
            assert not found, (
                f"{where} carries {found} of a {'hidden' if run.hidden else 'trashed'} run"
            )

    def assert_only_the_kept_run_in(self, archive: zipfile.ZipFile, where: str) -> None:
        """No member named after a hidden or trashed run or its images, none with their
        bytes (unless the shown run has the very same bytes), and the shown run's result."""
        names = archive.namelist()
        self.assert_nothing_of_the_gone_in("\n".join(names), where)
        for run in self.gone():
            assert not [n for n in names if str(run.pk)[:8] in n], (where, names)
        kept_bytes = {self.read(image.file) for image in self.images_of(self.kept)}
        gone_bytes = {self.read(image.file) for run in self.gone() for image in self.images_of(run)}
        for name in names:
            data = archive.read(name)
            if data in gone_bytes and data not in kept_bytes:
                raise AssertionError(f"{where}: {name} is a hidden or trashed run's image")
        results = [archive.read(n) for n in names if n.endswith((".jpg", ".png", ".webp"))]
        assert self.read(self.kept.results.get().file) in results, f"{where} lost the shown run"

    def images_of(self, run: Run) -> list:
        return [*run.inputs.all(), *run.results.all()]

    def read(self, field) -> bytes:
        with field.storage.open(field.name, "rb") as handle:
            return handle.read()

    # --- where staff review, and only staff ----------------------------------------

    def test_it_shows_them_only_to_staff_on_the_pages_where_staff_review(self):
        for run in self.gone():
            result, photo = run.results.get(), run.inputs.get()
            urls = [
                f"/generations/{run.pk}/",
                f"/generations/{run.pk}/progress/",
                f"/media/results/{result.pk}",
                f"/media/results/{result.pk}/thumb",
                f"/media/inputs/{photo.pk}",
            ]
            for url in urls:
                assert self.as_("owner").get(url).status_code == 404, url
                assert self.as_("teammate").get(url).status_code == 404, url
                assert_served(self.as_("staff").get(url), url)
            page = self.as_("staff").get(f"/generations/{run.pk}/").content.decode()
            assert "Staff review: this run is hidden by staff or in its owner" in page
            assert "?download=1" not in page and "download.zip" not in page
            assert "Enhance (3 points)" not in page and "?remix=" not in page
            admin = self.client.get(f"/admin/generator/run/{run.pk}/change/")
            assert f"/media/results/{result.pk}/thumb" in admin.content.decode()

    def test_it_leaves_them_out_of_every_gallery_page_and_fragment(self):
        pages = {
            "owner": ["/history/", "/team/", self.batch.get_absolute_url()],
            "teammate": ["/team/"],
            "staff": [self.batch.get_absolute_url()],
        }
        for role, urls in pages.items():
            for url in urls:
                response = self.as_(role).get(url)
                assert response.status_code == 200, (role, url)
                self.assert_nothing_of_the_gone_in(body_of(response), f"{url} as {role}")
        # The live fragment of a gallery, asked about them by a page drawn before: no card.
        asked = "&".join(f"s={run.pk}:running" for run in self.gone())
        for role in ("owner", "teammate"):
            cards = self.as_(role).get(f"/history/cards/?{asked}")
            assert "gen-card" not in cards.content.decode() and "HX-Trigger" not in cards
        batch_page = self.as_("owner").get(self.batch.get_absolute_url()).content.decode()
        assert str(self.kept.results.get().pk) in batch_page  # the shown one is still there
        trash = self.as_("owner").get("/trash/").content.decode()
        assert f"/generations/{self.trashed.pk}/restore/" in trash  # restorable, not shown:
        for image in self.images_of(self.trashed):
            assert str(image.pk) not in trash

    # --- downloads and ZIPs ----------------------------------------------------------

    def test_it_downloads_none_of_their_images_to_anyone(self):
        for run in self.gone():
            result = run.results.get()
            for role in ROLES:
                client = self.as_(role)
                assert client.get(f"/media/results/{result.pk}?download=1").status_code == 404
                assert client.get(f"/generations/{run.pk}/download.zip").status_code == 404

    def test_it_zips_only_the_shown_run_from_the_bulk_bar(self):
        ids = [str(run.pk) for run in (self.kept, *self.gone())]
        for role in ROLES:
            response = self.as_(role).post("/generations/bulk/", {"action": "zip", "ids": ids})
            self.assert_only_the_kept_run_in(unzipped(response), f"the bulk ZIP as {role}")

    def test_it_zips_only_the_shown_runs_of_a_batch_on_its_page_and_through_the_api(self):
        page_zip = f"{self.batch.get_absolute_url()}download.zip"
        api_zip = f"/batches/{self.batch.pk}/zip"
        for role in ("owner", "staff"):
            archive = unzipped(self.as_(role).get(page_zip))
            self.assert_only_the_kept_run_in(archive, f"the batch page's ZIP as {role}")
            assert archive.namelist() == ["person-00-1.jpg"]
            archive = unzipped(self.api(role, api_zip))
            self.assert_only_the_kept_run_in(archive, f"the API's batch ZIP as {role}")
            assert archive.namelist() == ["person-00-1.jpg"]
        assert self.as_("teammate").get(page_zip).status_code == 404  # a batch is its owner's
        assert self.api("teammate", api_zip).status_code == 404

    def test_it_lists_them_in_a_data_export_without_their_images(self):
        self.as_("owner").post("/account/export/")
        self.as_("staff").post(
            "/admin/auth/user/", {"action": "export_data", "_selected_action": [self.owner.pk]}
        )
        self.as_("teammate").post("/account/export/")
        assert exports.build_exports.call() == 3
        for export in DataExport.objects.select_related("user", "requested_by"):
            who = f"{export.user}'s export asked by {export.requested_by}"
            archive = unzipped(self.as_(export.requested_by.username).get(
                f"/account/exports/{export.pk}/"
            ))  # fmt: skip
            runs = {run["id"]: run for run in json.loads(archive.read("runs.json"))}
            if export.user == self.teammate:
                self.assert_nothing_of_the_gone_in(archive.read("runs.json").decode(), who)
                continue
            self.assert_only_the_kept_run_in(archive, who)
            assert runs[str(self.hidden.pk)]["images_left_out"] == "hidden by staff"
            assert runs[str(self.trashed.pk)]["images_left_out"] == "in the trash"
            for run in self.gone():
                assert runs[str(run.pk)]["photos"] == runs[str(run.pk)]["results"] == []
            assert len(runs[str(self.kept.pk)]["results"]) == 1

    # --- the REST API and the gateway ------------------------------------------------

    def test_it_answers_nothing_of_them_through_the_rest_api(self):
        for run in self.gone():
            result = run.results.get()
            for role in ROLES:
                assert self.api(role, f"/runs/{run.pk}").status_code == 404, role
                assert self.api(role, f"/results/{result.pk}").status_code == 404, role
                assert self.api(role, f"/results/{result.pk}/thumbnail").status_code == 404, role
        for role in ROLES:
            for path in ("/history?page_size=100", "/gallery?page_size=100"):
                response = self.api(role, path)
                assert response.status_code == 200, (role, path)
                self.assert_nothing_of_the_gone_in(response.content.decode(), f"{path} as {role}")
        shown = self.api("owner", "/history?page_size=100").json()["results"]
        assert [run["id"] for run in shown] == [str(self.kept.pk)]

    def test_it_answers_no_task_and_opens_no_signed_link_of_them_through_the_gateway(self):
        for run in self.gone():
            for role in ROLES:
                answer = self.gateway(role, f"/tasks/{task_id_of(run)}").json()
                assert answer["code"] != 0 and answer["data"] is None, (role, answer)
            (old_link,) = self.old_links[run.pk]
            path = old_link.split("/open-api/v1/a1", 1)[1]
            assert self.client.get(f"/open-api/v1/a1{path}").status_code == 404
            staff_key = ApiKey.objects.get(user=self.staff)
            minted = link_for(
                RequestFactory().get("/"), kind=RESULT, image=run.results.get(), key_id=staff_key.pk
            )
            path = minted.split("/open-api/v1/a1", 1)[1]
            assert self.client.get(f"/open-api/v1/a1{path}").status_code == 404
        kept = self.gateway("owner", f"/tasks/{task_id_of(self.kept)}").json()["data"]
        (link,) = kept["images"]
        assert_served(self.client.get(link.split("testserver", 1)[1]), link)

    # --- images taken into new work --------------------------------------------------

    def test_it_takes_none_of_their_images_into_new_work_even_for_staff(self):
        for run in self.gone():
            for role in ROLES:
                client = self.as_(role)
                remix = client.get(f"/apps/{run.app_id}/?remix={run.pk}")
                assert remix.status_code == 404, role
                enhance = client.post(
                    "/enhance/", {"result": run.results.get().pk, "idempotency_key": run.pk}
                )
                assert enhance.status_code == 404, role
        assert not Run.objects.filter(kind="enhance").exists()
        assert self.sandbox.calls("optimize") == 0


@pytest.fixture
def hooks(request):
    """Local HTTP receivers (the webhook tests' own), closed after the test."""
    made = []

    def make():
        made.append(Receiver())
        return made[-1]

    request.cls.receiver = staticmethod(make)
    yield
    for receiver in made:
        receiver.close()


@pytest.mark.usefixtures("hooks")
@override_settings(API_RATE_BURST=1000, API_RATE_PER_MINUTE=6000)
class WebhookPayloadTests(TrackingTestCase):
    """A run a script started, with the key's webhook: hidden or trashed after the event
    was queued, or before its end, the message carries none of its images."""

    def keyed_run(self, hook) -> Run:
        _key, token = keys.key_create(user=self.owner, name="hooked", webhook_url=hook.url)
        auth = {"Authorization": f"Bearer {token}"}
        upload = self.client.post("/api/v1/uploads", {"file": photo("face.jpg")}, headers=auth)
        body = {**WATERCOLOR_RUN, "photos": {"cnet_17466175263110005": upload.json()["id"]}}
        run = self.client.post(
            "/api/v1/runs",
            body,
            content_type="application/json",
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert run.status_code == 201, run.content
        return Run.objects.get(pk=run.json()["id"])

    def sent_payload(self, hook, delivery) -> tuple[dict, str]:
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None
        ((_headers, body),) = hook.received
        return json.loads(body), body.decode()

    def test_it_tells_a_webhook_of_a_run_hidden_or_trashed_since_without_its_images(self):
        for change in ({"hidden": True}, {"deleted_at": "2026-01-01T00:00:00Z"}):
            hook = self.receiver()
            run = self.keyed_run(hook)
            self.finish_upstream(run)
            self.poll(run)
            delivery = WebhookDelivery.objects.get(run=run)
            assert len(delivery.payload["run"]["results"]) == 2  # queued while shown
            Run.objects.filter(pk=run.pk).update(**change)
            payload, raw = self.sent_payload(hook, delivery)
            assert payload["event"] == "run.completed" and payload["run"]["id"] == str(run.pk)
            assert payload["run"]["results"] == [], change
            for result in run.results.all():
                assert str(result.pk) not in raw, change

    def test_it_queues_no_image_of_a_run_hidden_before_it_ended(self):
        hook = self.receiver()
        run = self.keyed_run(hook)
        Run.objects.filter(pk=run.pk).update(hidden=True)
        self.finish_upstream(run)
        self.poll(run)
        delivery = WebhookDelivery.objects.get(run=run)
        assert delivery.payload["run"]["results"] == []
        payload, raw = self.sent_payload(hook, delivery)
        assert payload["run"]["results"] == []
        assert not any(str(r.pk) in raw for r in run.results.all())


def assert_served(response, what) -> None:
    """Served: a page or a file from local disk (200), or a file by a signed link to
    object storage (302 to the bucket, in the S3 pass)."""
    if settings.S3_BUCKET and response.status_code == 302:
        assert settings.S3_BUCKET in response["Location"], what
    else:
        assert response.status_code == 200, what
