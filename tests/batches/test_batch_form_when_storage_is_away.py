"""The batch form while our storage is away (the media disk gone, S3 not answering):
photos and ZIP archives are refused with a sentence on the page, never a 500, with
nothing of them kept; a batch item whose photo storage cannot give back is not sent,
waits with its points held, and is sent once when storage is back."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from generator.files.audit import stored_names
from generator.models import Batch
from tests.base import photo
from tests.batches.base import BatchTestCase
from tests.conftest import image_bytes
from tests.runs.test_copies_wait_for_storage import storage_away

SENTENCE = "Our file storage is unavailable right now, so your files were not kept"


def archive() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("x.jpg", image_bytes())
        zipped.writestr("y.jpg", image_bytes())
    return SimpleUploadedFile("photos.zip", buffer.getvalue())


@pytest.mark.storage
class BatchFormStorageAwayTests(BatchTestCase):
    def uploads_kept(self) -> list[str]:
        return [n for n in stored_names(default_storage) if n.startswith("batch-uploads/")]

    def test_it_refuses_a_zip_with_a_sentence_on_the_page_and_keeps_nothing(self):
        self.login()
        with storage_away():
            response = self.batch_post([], archives=[archive()])
        assert response.status_code == 200
        assert SENTENCE in response.content.decode()
        assert self.uploads_kept() == []
        assert not Batch.objects.exclude(uploads={}).exists()

    def test_it_refuses_photos_with_a_sentence_on_the_page_and_keeps_nothing(self):
        self.login()
        with storage_away():
            response = self.batch_post([photo("a.jpg"), photo("b.jpg")])
        assert response.status_code == 200
        assert SENTENCE in response.content.decode()
        assert self.uploads_kept() == []

    def test_the_same_form_posted_once_storage_is_back_makes_the_draft(self):
        self.login()
        with storage_away():
            self.batch_post([], archives=[archive()])
        response = self.batch_post([], archives=[archive()])
        assert response.status_code == 302
        assert len(self.uploads_kept()) == 1  # the archive, once

    def test_an_item_whose_photo_storage_cannot_give_back_waits_and_is_sent_once(self):
        batch = self.prepared(n=1)
        self.client.post(f"{batch.get_absolute_url()}start/")
        item = batch.items.get()
        with storage_away():
            self.tick()
        item.refresh_from_db()
        assert item.state == "waiting" and item.run is None  # no run, nothing sent
        assert self.sandbox.calls("generate") == 0
        self.tick()
        item.refresh_from_db()
        assert item.state == "sent" and self.sandbox.calls("generate") == 1
