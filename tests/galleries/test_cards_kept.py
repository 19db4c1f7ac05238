"""Gallery pages built after a change: each card is kept by its own version, and the app
filter's list is read by skipping through an index, not over every run."""

import re
import uuid
from datetime import timedelta
from unittest import mock

from django.db import connection
from django.templatetags.cache import CacheNode
from django.utils import timezone

from generator.galleries import queries
from generator.models import Run
from generator.runs import actions
from tests.base import BaseTestCase


def card(html: str, run: Run) -> str:
    found = re.search(rf'<li class="gen-card" id="card-{run.pk}".*?</li>', html, re.S)
    assert found is not None, f"no card for {run.pk}"
    return found.group(0)


class KeptCardTests(BaseTestCase):
    def make(self, *, user=None, app_id="app-a", minutes=0, **fields) -> Run:
        return Run.objects.create(
            user=user or self.owner,
            idempotency_key=uuid.uuid4(),
            app_id=app_id,
            app_name=fields.pop("app_name", "Watercolour"),
            state=fields.pop("state", "completed"),
            created=timezone.now() - timedelta(minutes=minutes),
            **fields,
        )

    def test_it_shows_a_changed_card_changed_and_leaves_the_others_as_they_were(self):
        changing = self.make(points_quoted=4)
        steady = self.make(app_name="Oil painting", points_quoted=2, points_spent=2, minutes=1)
        self.login()
        first = self.client.get("/history/").content.decode()
        assert "4 points quoted" in card(first, changing)
        Run.objects.filter(pk=changing.pk).update(points_spent=3)
        again = self.client.get("/history/").content.decode()
        assert "3 points" in card(again, changing)
        assert "quoted" not in card(again, changing)
        # The card that did not change reads as before, word for word (from the cache).
        assert card(again, steady) == card(first, steady)

    def test_it_draws_only_the_changed_card_when_the_page_is_built_again(self):
        runs = [self.make(minutes=n) for n in range(5)]
        self.login()
        self.client.get("/history/")
        self.client.get("/history/")  # the CSRF cookie in place, as a browser has it
        Run.objects.filter(pk=runs[2].pk).update(state="failed")  # the page is built again
        with mock.patch.object(CacheNode, "render", autospec=True, wraps=CacheNode.render) as drawn:
            html = self.client.get("/history/").content.decode()
        # One {% cache %} consulted: the changed card's; the other four cards and all five
        # favourite buttons came from the page's one read of the cache.
        assert drawn.call_count == 1
        assert 'class="state state-failed"' in card(html, runs[2])
        assert len(re.findall(r'<li class="gen-card"', html)) == 5

    def test_it_draws_a_kept_card_in_the_readers_language(self):
        run = self.make()
        self.login()
        english = card(self.client.get("/history/").content.decode(), run)
        assert "Select “Watercolour”" in english
        japanese = card(
            self.client.get("/history/", HTTP_ACCEPT_LANGUAGE="ja").content.decode(), run
        )
        assert "Select “Watercolour”" not in japanese

    def test_it_names_the_person_on_a_team_card_and_not_on_the_same_card_in_history(self):
        shared = self.make(team=self.team, visibility="team")
        self.login()
        team_card = card(self.client.get("/team/").content.decode(), shared)
        assert f"<span>{self.owner.get_username()}</span>" in team_card
        # The same run, kept as a team card a moment ago, is drawn as a history card.
        history_card = card(self.client.get("/history/").content.decode(), shared)
        assert f"<span>{self.owner.get_username()}</span>" not in history_card

    def test_it_keeps_the_favourite_button_right_after_a_change(self):
        run = self.make()
        self.login()
        assert "is-fav" not in card(self.client.get("/history/").content.decode(), run)
        actions.run_favourite(run=run, favourite=True)
        assert "is-fav" in card(self.client.get("/history/").content.decode(), run)
        actions.run_favourite(run=run, favourite=False)
        assert "is-fav" not in card(self.client.get("/history/").content.decode(), run)

    def test_it_lists_the_apps_of_shown_runs_only(self):
        self.make(app_id="app-a")
        self.make(app_id="app-b")
        trashed = self.make(app_id="app-c")
        hidden = self.make(app_id="app-d")
        self.make(app_id="")  # an enhancement names no app
        self.make(user=self.teammate, app_id="app-e")
        Run.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())
        Run.objects.filter(pk=hidden.pk).update(hidden=True)
        assert queries.app_ids_used(user=self.owner) == ["app-a", "app-b"]
        self.login()
        html = self.client.get("/history/").content.decode()
        assert 'value="app-a"' in html and 'value="app-b"' in html
        assert 'value="app-c"' not in html and 'value="app-e"' not in html

    def test_it_lists_the_apps_shared_with_the_teams_only(self):
        self.make(user=self.teammate, app_id="shared", team=self.team, visibility="team")
        self.make(user=self.teammate, app_id="kept-private", team=self.team, visibility="private")
        self.make(user=self.outsider, app_id="theirs", team=self.other_team, visibility="team")
        assert queries.app_ids_used(team_ids=[self.team.pk]) == ["shared"]
        self.login()
        html = self.client.get("/team/").content.decode()
        assert 'value="shared"' in html
        assert 'value="kept-private"' not in html and 'value="theirs"' not in html

    def test_it_finds_every_app_of_a_long_history(self):
        apps = [f"app-{n:02d}" for n in range(12)]
        Run.objects.bulk_create(
            Run(user=self.owner, idempotency_key=uuid.uuid4(), app_id=apps[n % 12])
            for n in range(300)
        )
        assert queries.app_ids_used(user=self.owner) == apps

    def test_it_reads_the_apps_used_from_the_partial_indexes(self):
        """The skip-scan's WHERE matches the indexes' own condition: were it to drift, the
        list would read every run again (and the plan would read the table)."""
        Run.objects.bulk_create(
            Run(user=self.owner, idempotency_key=uuid.uuid4(), app_id=f"app-{n % 7}")
            for n in range(2000)
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE generator_generation")
        Run.objects.filter(app_id="app-1").update(team=self.team, visibility="team")
        for column, shared, index, pk in (
            ("user_id", "", "history_app", self.owner.pk),
            ("team_id", " AND visibility = 'team'", "gallery_app", self.team.pk),
        ):
            sql = queries._skip_scan_sql(column, shared)
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    cursor.execute("EXPLAIN QUERY PLAN " + sql, [pk, pk])
                else:
                    cursor.execute("EXPLAIN " + sql, [pk, pk])
                plan = " ".join(str(row) for row in cursor.fetchall())
            if connection.vendor == "sqlite":
                assert f"USING INDEX {index}" in plan, plan
            else:  # PostgreSQL picks among its indexes by its statistics; never the table
                assert "Index" in plan and "Seq Scan on generator_generation" not in plan, plan
