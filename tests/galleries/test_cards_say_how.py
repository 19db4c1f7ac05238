"""Cards that say how a run was made, and a result used as the photo of another run."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from generator.models import AppVisit, InputImage, Run
from tests.base import TrackingTestCase

HEADSHOT = "1838546335502970885"
DUMMY = "django.core.cache.backends.dummy.DummyCache"


class CardTests(TrackingTestCase):
    def test_it_shows_the_prompt_style_size_photo_and_cost_on_a_card(self):
        run = self.finished(desc_1838546335507165192="a red fox in snow\nsecond line unseen")
        html = self.client.get("/history/").content.decode()
        card = html[html.index(f'id="card-{run.id}"') :]
        card = card[: card.index("</li>")]
        assert "a red fox in snow" in card and "second line unseen" not in card
        assert run.params["style"]["name"] in card and run.params["size"]["label"] in card
        assert "face.jpg" in card and f"/media/inputs/{run.inputs.get().id}" in card
        assert f"{run.points_spent} points" in card

    def test_it_finds_a_card_by_its_prompt(self):
        fox = self.finished(desc_1838546335507165192="a red fox")
        owl = self.finished(desc_1838546335507165192="an owl")
        html = self.client.get("/history/?q=fox").content.decode()
        assert f'id="card-{fox.id}"' in html and f'id="card-{owl.id}"' not in html

    def test_it_shows_the_prompt_and_photo_name_in_the_trash(self):
        run = self.finished(desc_1838546335507165192="a heron at dusk")
        self.client.post(f"/generations/{run.id}/delete/")
        html = self.client.get("/trash/").content.decode()
        assert "a heron at dusk" in html and "face.jpg" in html
        assert "/media/inputs/" not in html  # the trash shows no picture

    def test_it_reads_cards_that_say_how_in_the_same_number_of_queries(self):
        self.finished()
        self.client.get("/history/")

        def queries() -> int:
            with (
                self.settings(CACHES={"default": {"BACKEND": DUMMY}}),
                CaptureQueriesContext(connection) as captured,
            ):
                assert self.client.get("/history/").status_code == 200
            return len(captured)

        few = queries()
        for _ in range(3):
            self.finished()
        assert queries() == few


class UseAsInputTests(TrackingTestCase):
    def result(self, user=None):
        run = self.finished(user)
        return run.results.order_by("index").first()

    def test_it_offers_the_apps_i_opened_that_take_a_photo(self):
        result = self.result()
        self.form_page(HEADSHOT)
        html = self.client.get(f"/results/{result.id}/use/").content.decode()
        assert f'value="{HEADSHOT}"' in html and "Studio headshot" in html

    def test_it_opens_another_apps_form_with_the_result_in_place(self):
        result = self.result()
        response = self.client.post(f"/results/{result.id}/use/", {"app": HEADSHOT})
        assert response.status_code == 302
        photo = InputImage.objects.get(run__isnull=True)
        # A photo of the person's own, given through the photo rule: theirs, staged.
        assert photo.owner == self.owner and photo.given_by == self.owner
        assert photo.file.name != result.file.name and photo.width == result.width
        assert response["Location"] == f"/apps/{HEADSHOT}/?photo={photo.id}"
        html = self.client.get(response["Location"]).content.decode()
        assert re.search(rf'name="[^"]+_staged" value="{photo.id}"', html)
        # Running it takes the photo into the new run.
        key = self.form_key(self.client.get(response["Location"]))
        form = self.client.get(response["Location"]).content.decode()
        slot = re.search(rf'name="([^"]+)_staged" value="{photo.id}"', form).group(1)
        posted = self.client.post(
            response["Location"],
            {"idempotency_key": key, f"{slot}_staged": str(photo.id), "generate_num": "1"},
        )
        assert posted.status_code == 302, posted.content[:2000]
        run = Run.objects.get(idempotency_key=key)
        assert run.inputs.get().pk == photo.pk

    def test_it_never_hands_out_what_is_not_mine_to_reuse(self):
        result = self.result(self.outsider)
        self.login(self.owner)
        assert self.client.get(f"/results/{result.id}/use/").status_code == 404
        assert self.client.post(f"/results/{result.id}/use/", {"app": HEADSHOT}).status_code == 404
        mine = self.result()
        self.client.post(f"/generations/{mine.run_id}/delete/")
        assert self.client.post(f"/results/{mine.id}/use/", {"app": HEADSHOT}).status_code == 404
        # A photo someone else staged never opens in my form.
        self.login(self.outsider)
        self.client.post(f"/results/{result.id}/use/", {"app": HEADSHOT})
        theirs = InputImage.objects.get(run__isnull=True, owner=self.outsider)
        self.login(self.owner)
        assert self.client.get(f"/apps/{HEADSHOT}/?photo={theirs.id}").status_code == 404

    def test_it_refuses_what_is_not_an_app(self):
        result = self.result()
        for app in ("", "../x", "a" * 40):
            response = self.client.post(f"/results/{result.id}/use/", {"app": app})
            assert response.status_code == 404
        assert not AppVisit.objects.filter(app_id="../x").exists()
