"""Our own storage away (the media disk gone, S3 not answering): copies of results wait
and retry, never failing the run or spending twice; photos are refused with a message,
with nothing kept and nothing spent.

Real failures: locally the media folder is replaced by a file (what a disk that is not
mounted looks like to the portal; as root, permissions would not stop a write); in the
S3 pass (tests/files/s3_pass.py) storage points at an endpoint where no S3 server runs
any more, with short timeouts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from generator.keys import services as keys
from generator.models import InputImage, LedgerEntry, ResultImage, Run
from tests.base import TrackingTestCase
from tests.conftest import free_port, image_bytes


@contextlib.contextmanager
def storage_away() -> Iterator[None]:
    if settings.S3_BUCKET:
        from botocore.config import Config  # only installed with the s3 extra

        stopped = {
            **settings.STORAGES["default"]["OPTIONS"],
            "endpoint_url": f"http://127.0.0.1:{free_port()}",
            "client_config": Config(
                signature_version="s3v4",
                connect_timeout=1,
                read_timeout=2,
                retries={"max_attempts": 1},
            ),
        }
        storages = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": stopped},
        }
        with override_settings(STORAGES=storages):
            yield
        return
    media = Path(settings.MEDIA_ROOT)
    aside = media.with_name("media-aside")
    if media.exists():
        media.rename(aside)
    media.write_text("not a folder: the media disk is not mounted")
    try:
        yield
    finally:
        media.unlink()
        if aside.exists():
            aside.rename(media)


@pytest.mark.storage
class StorageAwayTests(TrackingTestCase):
    def test_a_copy_waits_for_storage_and_completes_once_it_is_back(self):
        run = self.start()
        self.finish_upstream(run)
        with storage_away():
            for _ in range(4):
                next_at = self.poll(run)
                assert run.state == Run.State.COPYING and next_at is not None
            assert not ResultImage.objects.filter(run=run).exclude(file="").exists()
            kept = ResultImage.objects.filter(run=run)
            assert kept.count() == 2
            assert not any(result.expired for result in kept)  # never given up
            assert all("storage" in result.last_error for result in kept)
            assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SPEND).exists()
            waits = [self.poll(run) for _ in range(2)]
            assert all(wait is not None for wait in waits)
        self.poll(run)
        assert run.state == Run.State.COMPLETED
        for result in ResultImage.objects.filter(run=run):
            assert default_storage.exists(result.file.name)
            assert default_storage.exists(result.thumbnail.name)
            assert result.last_error == "" and result.copy_attempts == 1
        spends = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SPEND)
        assert spends.count() == 1 and spends.get().points == run.points_quoted
        self.poll(run)  # another look changes nothing
        assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SPEND).count() == 1

    def test_a_photo_is_refused_with_a_message_and_nothing_is_kept_or_spent(self):
        self.login()
        key = self.form_key(self.form_page())
        uploads = self.sandbox.calls("upload")
        with storage_away():
            response = self.submit(data=self.watercolor_post(key))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Our file storage is unavailable right now" in html
        assert not InputImage.objects.exists() and not Run.objects.exists()
        assert not LedgerEntry.objects.exists()
        assert self.sandbox.calls("upload") == uploads  # nothing sent to A1
        # Once storage is back, the same form goes through.
        response = self.submit(data=self.watercolor_post(key))
        assert response.status_code == 302 and Run.objects.count() == 1

    def test_the_api_refuses_an_upload_in_its_envelope(self):
        _key, token = keys.key_create(user=self.owner, name="script")
        content = image_bytes(size=(300, 400))
        with storage_away():
            response = self.client.post(
                "/api/v1/uploads",
                {"file": _file(content)},
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
        assert response.status_code == 503, response.content
        body = response.json()
        assert body["code"] == "storage_unavailable" and "nothing was spent" in body["message"]
        assert int(response["Retry-After"]) > 0
        assert not InputImage.objects.exists()


def _file(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("face.jpg", content, content_type="image/jpeg")
