"""/history/: my runs, filtered and searched; favourites, delete, ZIP, remix."""

import io
import re
import tempfile
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from generator.models import InputImage, ResultImage, Run
from tests.base import WATERCOLOR, TrackingTestCase
from tests.conftest import image_bytes


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
        Run.objects.filter(pk=blue.pk).update(favourite=True)
        Run.objects.filter(pk=red.pk).update(created=timezone.now() - timedelta(days=3))

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

    def test_a_reversed_date_range_says_so_by_the_field(self):
        self.start()
        self.login()
        html = self.client.get(
            "/history/", {"date_from": "2026-03-20", "date_to": "2026-03-01"}
        ).content.decode()
        assert "To: The end is before the start." in html

    def test_a_reversed_date_range_picked_in_the_filters_says_so_in_the_grid_too(self):
        # The filters post through htmx and swap only the grid: the words must be in it.
        self.start()
        self.login()
        html = self.client.get(
            "/history/",
            {"date_from": "2026-03-20", "date_to": "2026-03-01"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="grid",
        ).content.decode()
        assert html.lstrip().startswith('<div id="grid"')
        assert "To: The end is before the start." in html

    def test_it_paginates_and_swaps_the_grid_with_htmx(self):
        for _ in range(25):
            Run.objects.create(
                user=self.owner, idempotency_key=__import__("uuid").uuid4(), app_name="Bulk"
            )
        self.login()
        first = self.client.get("/history/").content.decode()
        assert first.count('class="gen-card"') == 24 and ">Older</a>" in first
        older = re.search(r'href="\?before=([^"]+)"', first).group(1)
        fragment = self.client.get(f"/history/?before={older}", HTTP_HX_REQUEST="true")
        html = fragment.content.decode()
        assert html.startswith('<div id="grid">') and html.count('class="gen-card"') == 1
        assert ">Newer</a>" in html and ">Older</a>" not in html

    def test_it_toggles_a_favourite_in_place(self):
        run = self.start()
        response = self.client.post(
            f"/generations/{run.id}/favourite/", {"favourite": "1"}, HTTP_HX_REQUEST="true"
        )
        assert 'aria-pressed="true"' in response.content.decode()
        run.refresh_from_db()
        assert run.favourite

    def test_it_soft_deletes_and_staff_can_still_see_it(self):
        run = self.start()
        self.client.post(f"/generations/{run.id}/delete/")
        run.refresh_from_db()
        assert run.deleted_at is not None
        assert self.client.get(f"/generations/{run.id}/").status_code == 404
        history = self.client.get("/history/").content.decode()
        assert f'href="/generations/{run.id}/"' not in history
        self.login(self.staff)
        assert self.client.get(f"/generations/{run.id}/").status_code == 200

    @pytest.mark.storage
    def test_it_zips_all_saved_images_of_a_run(self):
        run = self.start()
        self.finish_upstream(run)
        self.poll(run)
        response = self.client.get(f"/generations/{run.id}/download.zip")
        assert response["Content-Type"] == "application/zip"
        names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
        assert names == [f"watercolor-portrait-{str(run.id)[:8]}-{n}.jpg" for n in (1, 2)]

    def test_it_streams_the_zip_of_a_large_run_in_flat_memory(self):
        run = self.start()
        self.finish_upstream(run)
        self.poll(run)
        for index in (2, 3):  # four results, as from a run of four
            ResultImage.objects.create(
                run=run, index=index, upstream_url="https://a1.example/x.jpg"
            )
        size = 50 * 1024 * 1024
        for result in run.results.all():
            if result.file:  # replaced by a large file: the copy goes, as a removal would
                result.file.storage.delete(result.file.name)
            name = f"results/big-{result.index}.jpg"
            path = Path(settings.MEDIA_ROOT) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:  # a JPEG's first bytes, then sparse: 50 MB to read
                fh.write(image_bytes()[:600])
                fh.truncate(size)
            ResultImage.objects.filter(pk=result.pk).update(file=name)

        tracemalloc.start()
        with tempfile.TemporaryFile() as received:
            response = self.client.get(f"/generations/{run.id}/download.zip")
            for chunk in response.streaming_content:
                received.write(chunk)
            _now, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            received.seek(0)
            with zipfile.ZipFile(received) as archive:
                sizes = [info.file_size for info in archive.infolist()]
        # 200 MB went through in about 2 MB; the old in-memory ZIP peaked above 250 MB.
        assert sizes == [size] * 4
        assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MB"

    def test_it_remixes_a_run_with_its_choices_and_photos(self):
        run = self.start(desc_1838546335507165192="auburn")
        html = self.client.get(f"/apps/{WATERCOLOR}/?remix={run.id}").content.decode()
        assert 'value="auburn"' in html
        assert re.search(
            r'<input type="radio" name="style" value="183854633550716522"[^>]* checked', html
        )
        photo = run.inputs.get()
        assert f'name="cnet_17466175263110005_staged" value="{photo.id}"' in html

    @pytest.mark.storage
    def test_it_lets_a_teammate_remix_and_copies_the_photo_only_when_posted(self):
        run = self.start()
        Run.objects.filter(pk=run.pk).update(visibility="team", team=self.team)
        source = run.inputs.get()
        self.login(self.teammate)
        page = self.client.get(f"/apps/{WATERCOLOR}/?remix={run.id}")
        assert f'value="{source.id}"' in page.content.decode()
        assert not InputImage.objects.filter(owner=self.teammate).exists()  # GET writes nothing

        data = self.watercolor_post(self.form_key(page), cnet_17466175263110005=None)
        data["cnet_17466175263110005_staged"] = str(source.id)
        assert self.submit(data=data).status_code == 302
        (copy,) = Run.objects.get(user=self.teammate).inputs.all()
        assert copy.owner == self.teammate and copy.pk != source.pk
        assert copy.file.name == source.file.name
        assert run.inputs.get() == source  # the original run keeps its own row
        assert self.sandbox.calls("upload") == 1  # A1 already has the photo

    def test_it_hides_remix_of_runs_the_user_cannot_see(self):
        run = self.start()
        self.login(self.outsider)
        assert self.client.get(f"/apps/{WATERCOLOR}/?remix={run.id}").status_code == 404
