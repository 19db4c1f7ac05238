"""History and team pages at any size: keyset pages, the cached page, live cards."""

import json
import re
import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from generator.models import Batch, Run
from generator.runs import actions
from tests.base import TrackingTestCase


def cards(html: str) -> list[str]:
    return re.findall(r'id="card-([0-9a-f-]+)"', html)


class GalleryPageTests(TrackingTestCase):
    def runs(self, count: int, *, user=None, later=False, **fields) -> list[Run]:
        now = timezone.now() + timedelta(hours=1 if later else 0)
        made = [
            Run(
                user=user or self.owner,
                idempotency_key=uuid.uuid4(),
                app_name="Bulk",
                state="completed",
                created=now - timedelta(minutes=n),
                **fields,
            )
            for n in range(count)
        ]
        return Run.objects.bulk_create(made)

    def link(self, html: str, name: str) -> str:
        found = re.search(rf'href="(\?[^"]*{name}=[^"]+)"', html)
        assert found is not None
        return found.group(1).replace("&amp;", "&")

    def test_it_keeps_its_pages_in_place_while_new_runs_arrive(self):
        made = self.runs(30)
        self.login()
        first = self.client.get("/history/").content.decode()
        assert cards(first) == [str(g.pk) for g in made[:24]]
        older = self.link(first, "before")
        self.runs(3, later=True)  # new work on top must not shift what "Older" shows
        second = self.client.get(f"/history/{older}").content.decode()
        assert cards(second) == [str(g.pk) for g in made[24:]]
        back = self.client.get(f"/history/{self.link(second, 'after')}").content.decode()
        assert cards(back) == [str(g.pk) for g in made[:24]]

    def test_it_pages_through_runs_started_in_the_same_microsecond(self):
        now = timezone.now()
        Run.objects.bulk_create(
            Run(user=self.owner, idempotency_key=uuid.uuid4(), app_name="Twin", created=now)
            for _ in range(30)
        )
        self.login()
        html = self.client.get("/history/").content.decode()
        seen = cards(html)
        html = self.client.get(f"/history/{self.link(html, 'before')}").content.decode()
        seen += cards(html)
        assert len(seen) == len(set(seen)) == 30

    def test_it_opens_the_newest_page_for_a_cursor_it_cannot_read(self):
        self.runs(2)
        self.login()
        for bad in ("nonsense", "99999999999999999999.zz", "1.", "-5." + uuid.uuid4().hex):
            response = self.client.get("/history/", {"before": bad, "after": bad})
            assert response.status_code == 200
            assert len(cards(response.content.decode())) == 2

    def test_it_reads_a_page_in_the_same_number_of_queries_at_any_size(self):
        self.login()
        self.client.get("/history/")  # the CSRF cookie, as a browser would have it

        def queries() -> int:
            with (
                self.settings(CACHES={"default": {"BACKEND": DUMMY}}),
                CaptureQueriesContext(connection) as captured,
            ):
                assert self.client.get("/history/").status_code == 200
            return len(captured)

        self.runs(3)
        few = queries()
        self.runs(60)
        assert queries() == few

    def test_it_shows_a_change_at_once_although_the_page_is_kept(self):
        run = self.runs(1)[0]
        self.login()
        self.client.get("/history/")
        assert "is-fav" not in self.client.get("/history/").content.decode()
        actions.run_favourite(run=run, favourite=True)
        assert "is-fav" in self.client.get("/history/").content.decode()
        Run.objects.filter(pk=run.pk).update(state="failed")
        assert 'class="state state-failed"' in self.client.get("/history/").content.decode()

    def test_it_moves_the_team_gallery_when_a_teammate_shares(self):
        self.login(self.owner)
        self.client.get("/team/")
        assert cards(self.client.get("/team/").content.decode()) == []
        [run] = self.runs(1, user=self.teammate)
        actions.run_share(run=run, visibility="team", team=self.team)
        assert cards(self.client.get("/team/").content.decode()) == [str(run.pk)]

    def test_it_keeps_pages_apart_per_person(self):
        [mine] = self.runs(1)
        self.login(self.owner)
        self.client.get("/history/")
        self.client.get("/history/")
        self.login(self.teammate)
        self.client.get("/history/")
        assert str(mine.pk) not in self.client.get("/history/").content.decode()


DUMMY = "django.core.cache.backends.dummy.DummyCache"


class LiveCardTests(TrackingTestCase):
    def test_it_polls_while_a_card_runs_and_swaps_in_the_finished_card(self):
        run = self.start()
        html = self.client.get("/history/").content.decode()
        poll = re.search(r'id="grid-live" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
        assert f"s={run.pk}:running.0" in poll
        unchanged = self.client.get(poll)
        assert f'id="card-{run.pk}"' not in unchanged.content.decode()
        assert 'hx-trigger="every 4s"' in unchanged.content.decode()
        assert "HX-Trigger" not in unchanged

        self.finish_upstream(run)
        self.poll(run)
        done = self.client.get(poll)
        body = done.content.decode()
        assert f'id="card-{run.pk}"' in body and 'hx-swap-oob="outerHTML"' in body
        assert 'class="state state-completed"' in body
        assert "hx-trigger" not in body  # nothing moves any more: the polling stops
        event = json.loads(done["HX-Trigger"])["runs-finished"]["runs"]
        assert event == [
            {
                "id": str(run.pk),
                "name": "Watercolor portrait",
                "state": "completed",
                "url": f"/generations/{run.pk}/",
            }
        ]

    def test_it_tells_nobody_about_cards_they_cannot_see(self):
        run = self.start(user=self.teammate)
        Run.objects.filter(pk=run.pk).update(state="completed")
        self.login(self.outsider)
        response = self.client.get("/history/cards/", {"s": f"{run.pk}:running"})
        assert response.status_code == 200
        assert str(run.pk) not in response.content.decode()
        assert "HX-Trigger" not in response

    def test_it_ignores_what_is_not_a_card(self):
        self.login()
        response = self.client.get("/history/cards/", {"s": ["nonsense", ":", "x:y"]})
        assert response.status_code == 200
        assert "hx-trigger" not in response.content.decode()


class AppFilterTests(TrackingTestCase):
    def test_it_offers_the_apps_i_used_by_name_in_my_language(self):
        self.start()
        html = self.client.get("/history/").content.decode()
        assert '<option value="1838546335502970881">Watercolor portrait</option>' in html
        html = self.client.get("/history/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        self.client.get("/apps/1838546335502970881/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        html = self.client.get("/history/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert re.search(
            r'<option value="1838546335502970881">[^<]*[\u4e00-\u9fff][^<]*</option>', html
        )


class BatchCardTests(TrackingTestCase):
    def test_it_names_a_batchs_app_in_the_readers_language_as_its_runs_cards_do(self):
        run = self.start()
        self.client.get(f"/apps/{run.app_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans")  # read in Chinese
        batch = Batch.objects.create(
            user=self.owner,
            definition=run.definition,
            app_id=run.app_id,
            app_name="Watercolor portrait",  # the name it was started under, in English
            state=Batch.State.RUNNING,
            points_per_item=1,
            idempotency_key=uuid.uuid4(),
        )
        html = self.client.get("/history/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        card = html.split(f'id="card-{batch.id}"')[1].split("</li>")[0]
        title = re.search(r'<span class="gen-title">([^<]*)</span>', card).group(1)
        assert "Watercolor" not in title and re.search(r"[\u4e00-\u9fff]{3}", title), title
        assert "Watercolor portrait" in self.client.get("/history/").content.decode()
