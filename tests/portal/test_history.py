"""/history/: my runs, filtered and searched; favourites, delete, ZIP, remix."""

import io
import re
import zipfile
from datetime import timedelta

from django.utils import timezone

from generator.models import Generation, InputImage
from tests.portal.base import WATERCOLOR
from tests.portal.tracking_base import TrackingTestCase


class HistoryTests(TrackingTestCase):
    def test_it_lists_only_my_runs_newest_first(self):
        mine = [self.start(desc_1838546335507165192=f"colour {n}") for n in range(2)]
        self.start(user=self.teammate)
        self.login(self.owner)
        html = self.client.get("/history/").content.decode()
        positions = [html.index(f"/generations/{g.id}/") for g in reversed(mine)]
        assert positions == sorted(positions)
        assert html.count('class="gen-card"') == 2

    def test_it_searches_prompts_and_app_names_and_filters(self):
        red = self.start(desc_1838546335507165192="crimson hair")
        blue = self.start(desc_1838546335507165192="navy hair")
        Generation.objects.filter(pk=blue.pk).update(favourite=True)
        Generation.objects.filter(pk=red.pk).update(created=timezone.now() - timedelta(days=3))

        def ids(**query):
            html = self.client.get("/history/", query).content.decode()
            return {g.id for g in (red, blue) if f"/generations/{g.id}/" in html}

        assert ids(q="crimson") == {red.id}
        assert ids(q="watercolor") == {red.id, blue.id}
        assert ids(favourites="on") == {blue.id}
        assert ids(state="running") == {red.id, blue.id}
        assert ids(state="completed") == set()
        assert ids(app=WATERCOLOR) == {red.id, blue.id}
        assert ids(date_from=timezone.localdate().isoformat()) == {blue.id}

    def test_it_paginates_and_swaps_the_grid_with_htmx(self):
        for _ in range(25):
            Generation.objects.create(
                user=self.owner, idempotency_key=__import__("uuid").uuid4(), app_name="Bulk"
            )
        self.login()
        first = self.client.get("/history/").content.decode()
        assert first.count('class="gen-card"') == 24 and "Page 1 of 2" in first
        fragment = self.client.get("/history/?page=2", HTTP_HX_REQUEST="true").content.decode()
        assert fragment.startswith('<div id="grid">') and fragment.count('class="gen-card"') == 1

    def test_it_toggles_a_favourite_in_place(self):
        generation = self.start()
        response = self.client.post(
            f"/generations/{generation.id}/favourite/", {"favourite": "1"}, HTTP_HX_REQUEST="true"
        )
        assert 'aria-pressed="true"' in response.content.decode()
        generation.refresh_from_db()
        assert generation.favourite

    def test_it_soft_deletes_and_staff_can_still_see_it(self):
        generation = self.start()
        self.client.post(f"/generations/{generation.id}/delete/")
        generation.refresh_from_db()
        assert generation.deleted_at is not None
        assert self.client.get(f"/generations/{generation.id}/").status_code == 404
        history = self.client.get("/history/").content.decode()
        assert f'href="/generations/{generation.id}/"' not in history
        self.login(self.staff)
        assert self.client.get(f"/generations/{generation.id}/").status_code == 200

    def test_it_zips_all_saved_images_of_a_run(self):
        generation = self.start()
        self.finish_upstream(generation)
        self.poll(generation)
        response = self.client.get(f"/generations/{generation.id}/download.zip")
        assert response["Content-Type"] == "application/zip"
        names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
        assert names == [f"watercolor-portrait-{str(generation.id)[:8]}-{n}.jpg" for n in (1, 2)]

    def test_it_remixes_a_run_with_its_choices_and_photos(self):
        generation = self.start(desc_1838546335507165192="auburn")
        html = self.client.get(f"/apps/{WATERCOLOR}/?remix={generation.id}").content.decode()
        assert 'value="auburn"' in html
        assert re.search(
            r'<input type="radio" name="style" value="183854633550716522"[^>]* checked', html
        )
        photo = generation.inputs.get()
        assert f'name="cnet_17466175263110005_staged" value="{photo.id}"' in html

    def test_it_lets_a_teammate_remix_with_their_own_copy_of_the_photo(self):
        generation = self.start()
        Generation.objects.filter(pk=generation.pk).update(visibility="team", team=self.team)
        self.login(self.teammate)
        html = self.client.get(f"/apps/{WATERCOLOR}/?remix={generation.id}").content.decode()
        copy = InputImage.objects.get(owner=self.teammate)
        assert f'value="{copy.id}"' in html and copy.file.name == generation.inputs.get().file.name

    def test_it_hides_remix_of_runs_the_user_cannot_see(self):
        generation = self.start()
        self.login(self.outsider)
        assert self.client.get(f"/apps/{WATERCOLOR}/?remix={generation.id}").status_code == 404
