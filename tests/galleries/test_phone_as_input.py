"""The phone as input: the installable app's files, and photos shared to its share
target landing in a run form, or several in a batch form."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from generator.models import Batch, InputImage, LedgerEntry, Run
from generator.runs.forms import SharedPhotosForm
from generator.runs.photos import photos_purge_staged
from tests.base import WATERCOLOR, TrackingTestCase, photo
from tests.runs.test_copies_wait_for_storage import storage_away

HEADSHOT = "1838546335502970885"
SLOT = "cnet_17466175263110005"  # the watercolor app's photo field


class InstallableTests(TrackingTestCase):
    def test_it_is_installable_with_a_share_target(self):
        manifest = self.client.get("/manifest.webmanifest")
        assert manifest["Content-Type"] == "application/manifest+json"
        body = json.loads(manifest.content)
        assert body["start_url"] == "/apps/" and body["display"] == "standalone"
        assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
        assert body["share_target"]["action"] == "/share/"
        assert body["share_target"]["method"] == "POST"
        self.login()
        page = self.client.get("/history/").content.decode()
        assert '<link rel="manifest" href="/manifest.webmanifest">' in page

    def test_its_service_worker_keeps_only_the_offline_page(self):
        worker = self.client.get("/sw.js").content.decode()
        assert "'/offline/'" in worker and "css/studio.css" in worker
        assert "media" not in worker and "cache.put" not in worker
        offline = self.client.get("/offline/")
        assert offline.status_code == 200 and "You are offline" in offline.content.decode()


class ShareTargetTests(TrackingTestCase):
    def share(self, *files, **headers):
        return self.client.post("/share/", {"photos": list(files)}, headers=headers)

    def test_it_keeps_a_shared_photo_and_opens_a_run_form_with_it(self):
        self.login()
        self.form_page(HEADSHOT)  # opened once: the chooser offers it
        response = self.share(photo("IMG_0042.jpg"), **{"Sec-Fetch-Site": "none"})
        assert response.status_code == 302
        shared = InputImage.objects.get()
        assert shared.owner == self.owner and shared.given_by == self.owner
        assert shared.original_name == "IMG_0042.jpg" and shared.run is None
        chooser = self.client.get(response["Location"]).content.decode()
        assert "Studio headshot" in chooser
        csrf = self.client.get(response["Location"])  # the chooser's form carries a token
        assert 'name="csrfmiddlewaretoken"' in csrf.content.decode()
        picked = self.client.post("/share/choose/", {"photo": str(shared.pk), "app": HEADSHOT})
        assert picked["Location"] == f"/apps/{HEADSHOT}/?photo={shared.pk}"
        form = self.client.get(picked["Location"]).content.decode()
        slot = re.search(rf'name="([^"]+)_staged" value="{shared.pk}"', form).group(1)
        key = self.form_key(self.client.get(picked["Location"]))
        done = self.client.post(
            picked["Location"],
            {"idempotency_key": key, f"{slot}_staged": str(shared.pk), "generate_num": "1"},
        )
        assert done.status_code == 302
        assert Run.objects.get(idempotency_key=key).inputs.get().pk == shared.pk

    def test_it_refuses_a_share_another_site_sends(self):
        self.login()
        for headers in (
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},
            {"Origin": "https://evil.example"},
        ):
            assert self.share(photo(), **headers).status_code == 403, headers
        assert not InputImage.objects.exists()

    def test_it_says_what_is_wrong_with_a_shared_file(self):
        self.login()
        response = self.share(photo("notes.txt", fmt=None))
        assert response.status_code == 400
        assert "notes.txt" in response.content.decode()
        assert not InputImage.objects.exists()

    def test_it_wants_a_person_logged_in_and_their_own_photos(self):
        response = self.share(photo())
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        self.login(self.outsider)
        self.share(photo())
        theirs = InputImage.objects.get()
        self.login(self.owner)
        assert self.client.get(f"/share/choose/?p={theirs.pk}").status_code == 404
        posted = self.client.post("/share/choose/", {"photo": str(theirs.pk), "app": HEADSHOT})
        assert posted.status_code == 404

    def test_several_shared_photos_open_a_batch_with_each_one_an_item(self):
        self.login()
        self.form_page(WATERCOLOR)
        names = ["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"]
        shared = self.share(*[photo(name) for name in names], **{"Sec-Fetch-Site": "none"})
        assert shared.status_code == 302
        chooser = self.client.get(shared["Location"]).content.decode()
        assert "Where do these 3 photos go?" in chooser
        assert "the photos start a batch, one run each" in chooser
        kept = list(InputImage.objects.order_by("created"))
        assert [p.original_name for p in kept] == names
        picked = self.client.post(
            "/share/choose/", {"photo": [str(p.pk) for p in kept], "app": WATERCOLOR}
        )
        location = picked["Location"]
        assert location.startswith(f"/apps/{WATERCOLOR}/batch/?photo=")
        form = self.client.get(location).content.decode()
        assert "3 photos you shared are in place: each is one item." in form
        staged = re.findall(r'name="staged" value="([^"]+)"', form)
        assert staged == [str(p.pk) for p in kept]
        assert not Batch.objects.exists()  # nothing made, held or spent by opening it
        done = self.client.post(
            f"/apps/{WATERCOLOR}/batch/",
            {"staged": staged, "style": "183854633550716522", "size": "1", "generate_num": "1"},
        )
        assert done.status_code == 302, done.content[:600]
        batch = Batch.objects.get()
        assert done["Location"] == batch.get_absolute_url() and batch.state == "draft"
        items = list(batch.items.order_by("index"))
        assert [item.label for item in items] == names
        assert {item.state for item in items} == {"ready"}
        for item, giving in zip(items, kept, strict=True):
            its = item.photos.get()
            assert its.file.name == giving.file.name and its.form_id
            assert its.owner == self.owner and its.given_by == self.owner
        for giving in kept:  # the shared files are photos, never released as raw uploads
            assert self.stored(giving.file.name)
        page = self.client.get(batch.get_absolute_url()).content.decode()
        assert "3 items ready" in page
        assert not LedgerEntry.objects.exists() and self.sandbox.calls("generate") == 0

    def test_shared_photos_stay_with_a_draft_while_its_texts_are_fixed(self):
        self.login()
        self.share(photo("a.jpg"), photo("b.jpg"), photo("c.jpg"))
        staged = [str(p.pk) for p in InputImage.objects.order_by("created")]
        fields = {"style": "183854633550716522", "size": "1", "generate_num": "1"}
        text = "text_1838546335507165192"
        wrong = self.client.post(
            f"/apps/{WATERCOLOR}/batch/", {"staged": staged, text: "red\nblue", **fields}
        )
        html = wrong.content.decode()
        assert wrong.status_code == 200 and "2 lines here, but there are 3 items" in html
        assert "3 photos are kept with this batch" in html
        assert 'name="staged"' not in html  # kept on the draft now, not posted again
        draft = Batch.objects.get()
        fixed = self.client.post(
            f"/apps/{WATERCOLOR}/batch/", {"draft": str(draft.pk), text: "red", **fields}
        )
        assert fixed.status_code == 302
        items = list(draft.items.order_by("index"))
        assert [item.label for item in items] == ["a.jpg", "b.jpg", "c.jpg"]
        assert all(item.state == "ready" and item.photos.count() == 1 for item in items)
        assert {item.descriptions["1838546335507165192"] for item in items} == {"red"}

    def test_a_shared_photo_purged_meanwhile_makes_its_item_say_so(self):
        self.login()
        self.share(photo("a.jpg"), photo("b.jpg"))
        staged = list(InputImage.objects.order_by("created"))
        fields = {"style": "183854633550716522", "size": "1", "generate_num": "1"}
        text = "text_1838546335507165192"
        self.client.post(
            f"/apps/{WATERCOLOR}/batch/",
            {"staged": [str(p.pk) for p in staged], text: "red\nblue\ngreen", **fields},
        )
        draft = Batch.objects.get()
        # A day on, the hourly purge removes the second staged photo (row and file).
        InputImage.objects.filter(pk=staged[1].pk).update(
            created=timezone.now() - timedelta(days=2)
        )
        assert photos_purge_staged() == 1
        self.client.post(
            f"/apps/{WATERCOLOR}/batch/", {"draft": str(draft.pk), text: "red", **fields}
        )
        good, gone = draft.items.order_by("index")
        assert good.state == "ready" and good.photos.count() == 1
        assert gone.state == "invalid" and not gone.photos.exists()
        page = self.client.get(draft.get_absolute_url()).content.decode()
        assert "b.jpg is no longer kept: share it again." in page

    def test_a_batch_form_takes_only_the_persons_own_unused_photos(self):
        self.login(self.outsider)
        self.share(photo(), photo("b.jpg"))
        theirs = [str(p.pk) for p in InputImage.objects.all()]
        self.login(self.owner)
        query = "&".join(f"photo={pk}" for pk in theirs)
        assert self.client.get(f"/apps/{WATERCOLOR}/batch/?{query}").status_code == 404
        posted = self.client.post(
            f"/apps/{WATERCOLOR}/batch/",
            {"staged": theirs, "style": "183854633550716522", "size": "1", "generate_num": "1"},
        )
        assert posted.status_code == 404 and not Batch.objects.exists()
        assert self.client.get(f"/apps/{WATERCOLOR}/batch/?photo=nope").status_code == 404

    def test_the_choice_and_the_batch_form_want_their_csrf_token(self):
        self.login()
        self.share(photo(), photo("b.jpg"))
        ids = [str(p.pk) for p in InputImage.objects.all()]
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.owner)
        assert strict.post("/share/choose/", {"photo": ids, "app": WATERCOLOR}).status_code == 403
        batch = strict.post(f"/apps/{WATERCOLOR}/batch/", {"staged": ids, "size": "1"})
        assert batch.status_code == 403 and not Batch.objects.exists()

    def test_it_says_how_many_photos_a_share_may_hold(self):
        self.login()
        many = [photo(f"p{n}.jpg", size=(32, 32)) for n in range(SharedPhotosForm.MAX_PHOTOS + 1)]
        response = self.share(*many)
        assert response.status_code == 400
        assert f"Share at most {SharedPhotosForm.MAX_PHOTOS} photos at a time." in (
            response.content.decode()
        )
        assert not InputImage.objects.exists()

    @pytest.mark.storage
    def test_it_says_on_its_own_page_when_storage_is_away(self):
        self.login()
        with storage_away():
            response = self.share(photo("IMG_0042.jpg"), **{"Sec-Fetch-Site": "none"})
        html = response.content.decode()
        assert response.status_code == 503
        assert "Our file storage is unavailable right now" in html
        assert "<h1>Share a photo</h1>" in html  # the share's page, not the outage page
        assert '<a href="/apps/">Open an app</a>' in html  # and a way on from it
        assert not InputImage.objects.exists()
