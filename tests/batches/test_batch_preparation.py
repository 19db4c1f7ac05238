"""Preparing a batch: uploads become items, each checked; bad ones listed, good ones kept."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from generator.batches import checking as batch_checking
from generator.models import Batch, BatchItem, InputImage
from generator.runs import photos
from library.models import Preset
from tests.base import WATERCOLOR, photo
from tests.batches.base import SLOT, BatchTestCase
from tests.conftest import image_bytes


class PreparationTests(BatchTestCase):
    def test_it_offers_the_apps_own_fields_with_many_photos_per_slot(self):
        self.login()
        html = self.client.get(f"/apps/{WATERCOLOR}/batch/").content.decode()
        assert f'name="photos_{SLOT}"' in html and "multiple" in html
        assert 'name="text_1838546335507165192"' in html  # one value per line
        assert 'name="style"' in html and 'name="size"' in html and 'name="generate_num"' in html

    @pytest.mark.storage
    def test_it_checks_every_photo_and_lists_the_bad_ones_with_their_reason(self):
        batch = self.prepared(n=4, bad=1)
        states = sorted(batch.items.values_list("state", flat=True))
        assert states == ["invalid", "ready", "ready", "ready"]
        bad = batch.items.get(state="invalid")
        assert bad.label == "broken-0.jpg" and "empty" in bad.reason_text
        html = self.client.get(batch.get_absolute_url()).content.decode()
        assert "broken-0.jpg" in html and "The file is empty." in html
        assert "3 items ready × 1 points = <strong>3</strong> points" in html
        assert self.sandbox.calls("upload") == 0 and self.sandbox.calls("generate") == 0

    def test_a_bad_photo_is_explained_in_the_readers_language_whatever_the_worker_spoke(self):
        self.login()
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
        self.batch_post([photo("person.jpg"), photo("broken.jpg", fmt=None)])
        translation.activate("en")  # the worker runs in no request's language
        batch = Batch.objects.get(user=self.owner, state="draft")
        while batch_checking.batch_check_step(batch_id=batch.pk):
            pass
        assert "The file is empty." in batch.items.get(state="invalid").reason  # kept untranslated
        html = self.client.get(batch.get_absolute_url()).content.decode()
        assert "文件是空的。" in html and "The file is empty." not in html
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
        html = self.client.get(batch.get_absolute_url()).content.decode()
        assert "The file is empty." not in html and "文件是空的。" not in html

    @pytest.mark.storage
    def test_dropping_a_bad_item_keeps_the_good_ones_and_their_photos(self):
        batch = self.prepared(n=3, bad=1)
        bad = batch.items.get(state="invalid")
        self.client.post(f"{batch.get_absolute_url()}drop/", {"item": bad.pk})
        assert batch.items.count() == 2
        assert InputImage.objects.filter(batch_item__batch=batch).count() == 2

    def test_a_batch_photo_is_not_purged_as_a_forgotten_staged_photo(self):
        batch = self.prepared(n=2)
        assert photos.photos_purge_staged(now=batch.created.replace(year=2100)) == 0

    def test_lines_pair_with_photos_in_name_order_or_apply_to_all(self):
        batch = self.prepared(n=2, text_1838546335507165192="red\nblue")
        assert [i.descriptions for i in batch.items.order_by("index")] == [
            {"1838546335507165192": "red"},
            {"1838546335507165192": "blue"},
        ]
        Batch.objects.all().delete()
        batch = self.prepared(n=2, text_1838546335507165192="green")
        assert {i.descriptions["1838546335507165192"] for i in batch.items.all()} == {"green"}

    def test_a_line_count_that_does_not_pair_keeps_the_photos_for_the_corrected_form(self):
        self.login()
        response = self.batch_post(
            [photo("a.jpg"), photo("b.jpg")], text_1838546335507165192="red\nblue\ngreen"
        )
        html = response.content.decode()
        assert response.status_code == 200 and "3 lines here, but there are 2 items" in html
        assert "2 photos are kept with this batch" in html
        draft = Batch.objects.get()
        assert f'name="draft" value="{draft.pk}"' in html
        response = self.batch_post([], draft=str(draft.pk), text_1838546335507165192="red\nblue")
        assert response.status_code == 302
        assert draft.items.count() == 2  # no photo chosen twice

    def test_a_text_only_app_makes_one_item_per_line(self):
        self.login()
        app = self.sandbox.app_with("text_to_image")["id"]
        response = self.client.post(
            f"/apps/{app}/batch/",
            {
                "text_1838546335507166010": "a lighthouse\na harbour\n\na boat",
                "style": "183854633550716611",
                "size": "1",
                "generate_num": "1",
            },
        )
        assert response.status_code == 302
        batch = Batch.objects.get()
        assert batch.items.filter(state="ready").count() == 3  # the blank line is no item

    def test_a_csv_gives_each_photo_its_own_text(self):
        self.login()
        csv = photo("texts.csv", fmt=None)
        csv.file.write(b"file,Hair colour\nperson-01.jpg,blue\nperson-00.jpg,red\n")
        csv.file.seek(0)
        csv.size = len(csv.file.getvalue())
        response = self.batch_post([photo("person-00.jpg"), photo("person-01.jpg")], csv=csv)
        assert response.status_code == 302, response.content[:500]
        items = {i.label: i.descriptions for i in Batch.objects.get().items.all()}
        assert items == {
            "person-00.jpg": {"1838546335507165192": "red"},
            "person-01.jpg": {"1838546335507165192": "blue"},
        }

    def test_group_photos_pair_by_the_number_in_their_names(self):
        self.login()
        app = self.sandbox.app_with("group_photo")["id"]
        pile = "photos_cnet_1838546335507168010_p0"
        response = self.client.post(
            f"/apps/{app}/batch/",
            {
                pile: [photo("anna_1.jpg"), photo("anna_2.jpg"), photo("ben_1.jpg")],
                "style": "183854633550716811",
                "generate_num": "1",
            },
        )
        assert response.status_code == 302, response.content[:500]
        batch = Batch.objects.get()
        by_label = {i.label: i for i in batch.items.all()}
        assert by_label["anna"].state == "checking" and len(by_label["anna"].pending) == 2
        assert by_label["ben"].state == "invalid" and "person 2" in by_label["ben"].reason

    @pytest.mark.storage
    def test_a_zip_of_photos_is_read_by_the_worker(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("team/x.jpg", image_bytes())
            archive.writestr("team/y.png", image_bytes("PNG"))
            archive.writestr("__MACOSX/._x.jpg", b"junk")
            archive.writestr("notes.txt", b"not a photo")
        self.login()
        response = self.batch_post(
            [], archives=[SimpleUploadedFile("photos.zip", buffer.getvalue())]
        )
        assert response.status_code == 302
        batch = Batch.objects.get()
        batch_checking.batch_check_step(batch_id=batch.pk)
        assert sorted(batch.items.values_list("label", "state")) == [
            ("x.jpg", "ready"),
            ("y.png", "ready"),
        ]

    def test_others_cannot_see_or_touch_a_batch(self):
        batch = self.prepared(n=1)
        for person in (self.teammate, self.outsider):
            self.login(person)
            assert self.client.get(batch.get_absolute_url()).status_code == 404
            assert self.client.post(f"{batch.get_absolute_url()}start/").status_code == 404
        self.login(self.staff)
        assert self.client.get(batch.get_absolute_url()).status_code == 200
        assert BatchItem.objects.filter(batch=batch, state="ready").count() == 1


class PresetTests(BatchTestCase):
    def test_a_preset_fills_the_batch_form_so_only_the_photos_are_left(self):
        self.login()
        data = self.watercolor_post(self.form_key(self.form_page()), cnet_17466175263110005=None)
        self.client.post(f"/apps/{WATERCOLOR}/presets/", data | {"preset_name": "Avatars"})
        preset = Preset.objects.get()
        html = self.client.get(f"/apps/{WATERCOLOR}/batch/").content.decode()
        assert f"?preset={preset.pk}" in html and "Avatars" in html
        html = self.client.get(f"/apps/{WATERCOLOR}/batch/?preset={preset.pk}").content.decode()
        assert '<textarea name="text_1838546335507165192"' in html and ">\nred</textarea>" in html
        assert re.search(r'name="style" value="183854633550716522"[^>]* checked', html)


class DraftCleanupTests(BatchTestCase):
    @pytest.mark.storage
    def test_raw_uploads_go_once_read_and_drafts_left_a_day_go_too(self):
        batch = self.prepared(n=2)
        _dirs, files = default_storage.listdir(f"batch-uploads/{batch.pk}")
        assert files == []  # read, kept as photos, the uploads removed
        assert batch_checking.drafts_purge(now=batch.created + timedelta(hours=23)) == 0
        assert batch_checking.drafts_purge(now=batch.created + timedelta(days=1, minutes=1)) == 1
        assert not Batch.objects.filter(pk=batch.pk).exists()
        assert InputImage.objects.filter(batch_item__isnull=True, run__isnull=True).count() == 2
