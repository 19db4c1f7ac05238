"""Photos and results in our storage, served only to those allowed: local files or S3.

These run in every pass on local files, and again in the S3 pass (`make test-s3`) with
S3_BUCKET set, against moto's S3 server. There every stored image leaves the portal as
a signed, expiring link (a 302), which these tests follow over real HTTP.
"""

import io
import time
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from generator.models import InputImage, Run
from tests.base import TrackingTestCase

pytestmark = pytest.mark.storage


def on_s3() -> bool:
    return bool(settings.S3_BUCKET)


def served(response) -> bytes:
    """The bytes a browser would end up with: from the view, or from S3 via the link."""
    if on_s3():
        assert response.status_code == 302, response.status_code
        assert response["Cache-Control"] == "private, no-store"
        link = response["Location"]
        assert link.startswith(f"{settings.S3_ENDPOINT_URL}/{settings.S3_BUCKET}/")
        fetched = requests.get(link, timeout=10)
        assert fetched.status_code == 200, fetched.text[:300]
        return fetched.content
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=86400"
    return b"".join(response.streaming_content)


class StoredMediaTests(TrackingTestCase):
    def completed(self, **overrides) -> Run:
        run = self.start(**overrides)
        self.finish_upstream(run)
        self.poll(run)
        assert run.state == Run.State.COMPLETED
        return run

    def test_it_keeps_the_photo_and_serves_it_back_to_its_owner(self):
        run = self.start()
        (kept,) = run.inputs.all()
        assert default_storage.exists(kept.file.name)
        with kept.file.open("rb") as fh:
            stored = fh.read()
        assert served(self.client.get(f"/media/inputs/{kept.id}")) == stored
        assert Image.open(io.BytesIO(stored)).size == (300, 400)

    def test_it_keeps_a_photo_while_the_form_is_corrected(self):
        self.login()
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key, size="9"))
        assert response.status_code == 200 and not Run.objects.exists()
        kept = InputImage.objects.get(owner=self.owner, run=None)
        assert f'src="/media/inputs/{kept.id}"' in response.content.decode()
        assert Image.open(io.BytesIO(served(self.client.get(f"/media/inputs/{kept.id}")))).size == (
            300,
            400,
        )

    def test_it_copies_every_result_with_its_thumbnail(self):
        run = self.completed()
        for result in run.results.all():
            assert default_storage.exists(result.file.name)
            assert default_storage.exists(result.thumbnail.name)
            full = Image.open(io.BytesIO(served(self.client.get(f"/media/results/{result.id}"))))
            assert (full.format, full.size) == ("JPEG", (1024, 576))
            thumb = self.client.get(f"/media/results/{result.id}/thumb")
            small = Image.open(io.BytesIO(served(thumb)))
            assert small.format == "WEBP" and max(small.size) <= 320

    def test_it_names_a_downloaded_result(self):
        run = self.completed()
        result = run.results.get(index=0)
        response = self.client.get(f"/media/results/{result.id}?download=1")
        name = f"watercolor-portrait-{str(run.id)[:8]}-1.jpg"
        if on_s3():
            fetched = requests.get(response["Location"], timeout=10)
            disposition = fetched.headers["Content-Disposition"]
        else:
            disposition = response["Content-Disposition"]
        assert disposition == f'attachment; filename="{name}"'

    def test_it_zips_the_results_read_back_from_storage(self):
        run = self.completed()
        response = self.client.get(f"/generations/{run.id}/download.zip")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        for result in run.results.order_by("index"):
            with result.file.open("rb") as fh:
                stored = fh.read()
            name = f"watercolor-portrait-{str(run.id)[:8]}-{result.index + 1}.jpg"
            assert archive.read(name) == stored

    def test_it_enhances_a_result_read_back_from_storage(self):
        run = self.completed()
        result = run.results.get(index=0)
        page = self.client.get(f"/generations/{run.id}/").content.decode()
        key = page.split('name="idempotency_key" value="', 1)[1][:36]
        self.client.post("/enhance/", {"result": str(result.id), "idempotency_key": key})
        enhancement = Run.objects.get(kind=Run.Kind.ENHANCE)
        self.finish_upstream(enhancement)
        self.poll(enhancement)
        (after,) = enhancement.results.all()
        enhanced = Image.open(io.BytesIO(served(self.client.get(f"/media/results/{after.id}"))))
        assert enhanced.size == (2048, 1152)

    def test_it_gives_links_only_to_those_allowed_to_see(self):
        run = self.completed()
        result = run.results.get(index=0)
        photo = run.inputs.get()
        urls = [
            f"/media/results/{result.id}",
            f"/media/results/{result.id}/thumb",
            f"/media/inputs/{photo.id}",
        ]
        for user in (self.teammate, self.outsider):
            self.login(user)
            for url in urls:
                response = self.client.get(url)
                assert response.status_code == 404 and "Location" not in response, (user, url)
        self.client.logout()
        for url in urls:
            response = self.client.get(url)
            assert response["Location"].startswith("/accounts/login/"), url
        Run.objects.filter(pk=run.pk).update(visibility="team", team=self.team)
        self.login(self.teammate)
        assert served(self.client.get(urls[0]))
        self.login(self.outsider)
        assert self.client.get(urls[0]).status_code == 404

    def test_it_stops_handing_out_a_deleted_runs_files(self):
        run = self.completed(visibility="team", team=str(self.team.id))
        result = run.results.get(index=0)
        photo = run.inputs.get()
        self.client.post(f"/generations/{run.id}/delete/")
        urls = [
            f"/media/results/{result.id}",
            f"/media/results/{result.id}/thumb",
            f"/media/inputs/{photo.id}",
            f"/generations/{run.id}/download.zip",
        ]
        for user in (self.owner, self.teammate):
            self.login(user)
            for url in urls:
                response = self.client.get(url)
                assert response.status_code == 404 and "Location" not in response, (user, url)
        # Soft delete: staff can still restore it, so the files are kept.
        assert default_storage.exists(result.file.name)
        self.login(self.staff)
        assert served(self.client.get(urls[0]))

    def test_it_hands_out_links_that_expire(self):
        run = self.completed()
        result = run.results.get(index=0)
        response = self.client.get(f"/media/results/{result.id}")
        if not on_s3():
            # Local files never leave as a link: the view itself sends the bytes.
            assert response.status_code == 200 and "Location" not in response
            return
        link = urlsplit(response["Location"])
        query = {k: v[0] for k, v in parse_qs(link.query).items()}
        assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
        assert query["X-Amz-Expires"] == str(settings.S3_LINK_SECONDS)
        assert query["X-Amz-Credential"].startswith(f"{settings.S3_ACCESS_KEY}/")
        signed_at = time.mktime(time.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
        assert abs(signed_at - time.mktime(time.gmtime())) < 60  # signed now, not cached
        assert len(query["X-Amz-Signature"]) == 64
        # The object itself is private: without the signature S3 refuses it.
        unsigned = requests.get(f"{link.scheme}://{link.netloc}{link.path}", timeout=10)
        assert unsigned.status_code == 403
