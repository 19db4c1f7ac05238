"""Live placeholders (one per requested image) and the Running page."""

import re
import uuid

from django.core.files.base import ContentFile

from generator.models import Batch, BatchItem, ResultImage, Run
from tests.base import TrackingTestCase
from tests.conftest import image_bytes


def copying(run: Run, wanted: int) -> list[ResultImage]:
    """The run at A1's end with `wanted` images, none saved yet."""
    Run.objects.filter(pk=run.pk).update(state="copying", generate_num=wanted)
    return [
        ResultImage.objects.create(run=run, index=n, upstream_url=f"https://a1.example/{n}.png")
        for n in range(wanted)
    ]


def save(result: ResultImage) -> None:
    result.file.save(f"{result.pk}.png", ContentFile(image_bytes("PNG")), save=False)
    result.thumbnail.save(f"{result.pk}.webp", ContentFile(image_bytes("WEBP")), save=False)
    result.width = result.height = 64
    result.save()


class PlaceholderTests(TrackingTestCase):
    def test_it_shows_one_place_per_image_and_fills_them_as_each_is_saved(self):
        run = self.start()
        results = copying(run, 4)
        save(results[0])
        page = self.client.get(f"/generations/{run.id}/progress/").content.decode()
        assert page.count('<li class="slot-done">') == 1 and page.count("Saving…") == 3
        card = self.client.get("/history/").content.decode()
        assert card.count('class="slot slot-done"') == 1 and card.count('class="slot"') == 3
        poll = re.search(r'id="grid-live" hx-get="([^"]+)"', card).group(1).replace("&amp;", "&")
        assert f"s={run.pk}:copying.1" in poll
        # Nothing new: the card is not sent again.
        assert f'id="card-{run.pk}"' not in self.client.get(poll).content.decode()
        save(results[1])
        changed = self.client.get(poll).content.decode()
        assert f'id="card-{run.pk}"' in changed and changed.count('class="slot slot-done"') == 2
        page = self.client.get(f"/generations/{run.id}/progress/").content.decode()
        assert page.count('<li class="slot-done">') == 2


class RunningPageTests(TrackingTestCase):
    def batch(self, run: Run, user=None) -> Batch:
        assert run.definition is not None
        batch = Batch.objects.create(
            user=user or self.owner,
            definition=run.definition,
            app_id=run.app_id,
            app_name="Watercolor portrait",
            state=Batch.State.RUNNING,
            points_per_item=1,
            idempotency_key=uuid.uuid4(),
        )
        for n in range(3):
            BatchItem.objects.create(batch=batch, index=n, state=BatchItem.State.WAITING)
        return batch

    def test_it_lists_my_runs_and_batches_on_their_way_and_stops_when_none_is(self):
        run = self.start()
        batch = self.batch(run)
        calls = self.sandbox.stats()["calls"]
        html = self.client.get("/running/").content.decode()
        assert f'data-run="{run.id}"' in html and f'data-batch="{batch.id}"' in html
        assert "3 waiting" in html and "s since it was sent" in html
        assert 'hx-get="/running/" hx-trigger="every 3s"' in html
        assert self.sandbox.stats()["calls"] == calls  # our database only, never A1

        self.finish_upstream(run)
        self.poll(run)
        Batch.objects.filter(pk=batch.pk).update(state=Batch.State.DONE)
        fragment = self.client.get("/running/", headers={"HX-Request": "true"}).content.decode()
        assert str(run.id) not in fragment and "hx-trigger" not in fragment
        assert "Nothing of yours is waiting or running." in fragment

    def test_it_never_lists_what_others_run(self):
        run = self.start(self.teammate)
        self.batch(run, user=self.teammate)
        self.login(self.owner)
        html = self.client.get("/running/").content.decode()
        assert str(run.id) not in html and "data-batch" not in html

    def test_it_is_in_the_menu(self):
        self.login()
        assert 'href="/running/"' in self.client.get("/history/").content.decode()
