"""The phone as input: the installable app's files, and photos shared to its share
target landing in a run form."""

import json
import re

from generator.models import InputImage, Run
from tests.base import TrackingTestCase, photo

HEADSHOT = "1838546335502970885"


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
