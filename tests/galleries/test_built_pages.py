"""A gallery page built after a change writes its unchanged cards whole from their kept
parts (cards.card_kept_whole), and spares the banners' queries when the page's tokens
already say there is nothing to show: what a person sees is what the template draws."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import Profile
from generator.galleries.views import galleries as galleries_views
from generator.models import BalanceAlert, GalleryStamp, Run
from tests.base import BaseTestCase

MORNING_IN_TOKYO = datetime(2025, 11, 3, 0, 38, tzinfo=UTC)


def card(html: str, run: Run) -> str:
    found = re.search(rf'<li class="gen-card" id="card-{run.pk}".*?</li>', html, re.S)
    assert found is not None, f"no card for {run.pk}"
    return found.group(0)


class BuiltPageTests(BaseTestCase):
    def make(self, *, user=None, minutes=0, **fields) -> Run:
        return Run.objects.create(
            user=user or self.owner,
            idempotency_key=uuid.uuid4(),
            app_id="app-a",
            app_name="Watercolour",
            state=fields.pop("state", "completed"),
            created=fields.pop("created", timezone.now() - timedelta(minutes=minutes)),
            **fields,
        )

    def built(self, path: str = "/history/", **headers) -> str:
        """The page drawn again, as after any change to what it shows."""
        GalleryStamp.objects.bump(users=[self.owner.pk])
        return self.client.get(path, **headers).content.decode()

    def test_it_writes_an_unchanged_card_word_for_word_as_the_template_drew_it(self):
        mine = self.make(minutes=3, favourite=True)
        running = self.make(minutes=5, state="running", generate_num=2)
        theirs = self.make(user=self.teammate, team=self.team, visibility="team", minutes=7)
        self.login()
        self.client.get("/history/")  # the browser's CSRF cookie, as a person has it
        pages = {}
        for path, runs in (("/history/", (mine, running)), ("/team/", (theirs,))):
            drawn = self.built(path)  # cards drawn by the template, and kept
            with mock.patch.object(
                galleries_views, "card_kept_whole", wraps=galleries_views.card_kept_whole
            ) as whole:
                written = self.built(path)  # the same cards written from what was kept
            assert whole.call_count == len(runs), path
            for run in runs:
                assert card(written, run) == card(drawn, run), (path, run.state)
            pages[path] = written
        assert "3\xa0minutes ago" in card(pages["/history/"], mine)
        assert "is-fav" in card(pages["/history/"], mine)
        assert 'class="state state-running">Running</span>' in card(pages["/history/"], running)
        assert f"<span>{self.teammate.get_username()}</span>" in card(pages["/team/"], theirs)

    def test_it_writes_a_kept_card_in_the_readers_language_and_time_zone(self):
        run = self.make(created=MORNING_IN_TOKYO)
        Profile.objects.create(user=self.owner, time_zone="Asia/Tokyo", language="ja")
        self.login()
        self.client.get("/history/")
        self.built()
        tokyo = card(self.built(), run)  # written whole
        assert 'datetime="2025-11-03T09:38:00+09:00"' in tokyo
        with translation.override("ja"):
            assert f">{run.get_state_display()}</span>" in tokyo
        Profile.objects.filter(user=self.owner).update(time_zone="Asia/Shanghai", language="en")
        self.built()
        shanghai = card(self.built(), run)
        assert 'datetime="2025-11-03T08:38:00+08:00"' in shanghai
        assert "UTC+8" in shanghai and "JST" not in shanghai
        assert ">Completed</span>" in shanghai

    def test_it_says_how_long_ago_a_kept_card_started_as_the_minutes_pass(self):
        run = self.make(minutes=3)
        self.login()
        self.client.get("/history/")
        self.built()
        assert "3\xa0minutes ago" in card(self.built(), run)
        Run.objects.filter(pk=run.pk).update(created=timezone.now() - timedelta(minutes=9))
        # Its version names no time: the kept card is written with the new words.
        assert "9\xa0minutes ago" in card(self.built(), run)

    def test_it_shows_a_banner_raised_after_the_page_was_kept_and_asks_nothing_without_one(
        self,
    ):
        self.make()
        self.login()
        self.client.get("/history/")
        self.built()
        with CaptureQueriesContext(connection) as quiet:
            html = self.built()
        assert "New runs are paused" not in html
        BalanceAlert.objects.create(message="810012")
        with CaptureQueriesContext(connection) as alert:
            html = self.client.get("/history/").content.decode()
        assert "New runs are paused" in html
        # With nothing to show, none of the banners' own queries is asked (the page's
        # tokens name the tables unquoted, the ORM's queries quoted).
        asked = " ".join(query["sql"] for query in quiet.captured_queries)
        for table in ("balancealert", "approval", "spendalert", "dataexport"):
            assert f'"generator_{table}"' not in asked, table
        assert '"generator_balancealert"' in " ".join(q["sql"] for q in alert.captured_queries)

    def test_it_builds_a_page_in_the_same_queries_whatever_its_cards(self):
        """Cards read only the columns they show (queries.CARD_COLUMNS): were a card to
        touch another, each would cost a query of its own."""
        self.make(minutes=1)
        self.login()
        self.client.get("/history/")
        counts = []
        for _ in range(2):
            self.built()  # cards drawn and kept
            GalleryStamp.objects.bump(users=[self.owner.pk])
            with CaptureQueriesContext(connection) as drawn:
                self.client.get("/history/")
            counts.append(len(drawn.captured_queries))
            for n in range(5):  # a running one, a failed one, a teammate's shared one...
                self.make(minutes=n + 2, state=["running", "failed", "completed"][n % 3])
            self.make(user=self.teammate, team=self.team, visibility="team")
        assert counts[0] == counts[1], counts
        Run.objects.filter(user=self.owner).update(points_spent=7)  # every card drawn again
        with CaptureQueriesContext(connection) as drawn_fresh:
            html = self.client.get("/history/").content.decode()
        assert html.count("7 points") == 11  # every own card
        assert len(drawn_fresh.captured_queries) == counts[0], drawn_fresh.captured_queries
