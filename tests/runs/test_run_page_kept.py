"""A finished run's page (and its progress block) is kept whole for its viewer, by the
run's row and the viewer's page tokens: every view still has its own idempotency key, and
a kept page shows every change to the run, moderation's first."""

import re

from generator.models import Budget, Run
from generator.money import alerts
from generator.runs import actions
from tests.base import TrackingTestCase


def action_keys(html: str) -> set[str]:
    return set(re.findall(r'name="idempotency_key" value="([0-9a-f-]{36})"', html))


class KeptRunPageTests(TrackingTestCase):
    def page(self, run: Run, **headers) -> str:
        response = self.client.get(f"/generations/{run.pk}/", **headers)
        assert response.status_code == 200
        return response.content.decode()

    def test_it_gives_every_view_its_own_key_and_runs_once_per_key(self):
        run = self.finished(state="failed")
        first, second = self.page(run), self.page(run)  # the second view is the kept page
        assert first.replace(*action_keys(first), "") == second.replace(*action_keys(second), "")
        (key_one,), (key_two,) = action_keys(first), action_keys(second)
        assert key_one != key_two
        rerun = f"/generations/{run.pk}/rerun/"
        double = [self.client.post(rerun, {"idempotency_key": key_one}) for _ in range(2)]
        assert double[0]["Location"] == double[1]["Location"]  # a double click: one run
        other = self.client.post(rerun, {"idempotency_key": key_two})
        assert other["Location"] != double[0]["Location"]  # another view: another run
        assert Run.objects.exclude(pk=run.pk).count() == 2
        assert self.sandbox.calls("generate") == 3

    def test_it_gives_the_enhance_forms_and_the_progress_block_a_fresh_key_too(self):
        run = self.finished()
        pages = [self.page(run) for _ in range(3)]
        keys = [action_keys(html) for html in pages]
        assert all(len(found) == 1 for found in keys) and len(set().union(*keys)) == 3
        block = f"/generations/{run.pk}/progress/"
        blocks = [self.client.get(block).content.decode() for _ in range(2)]
        assert "Enhance (3 points)" in blocks[1]
        assert action_keys(blocks[0]) != action_keys(blocks[1])

    def test_it_shows_the_owners_changes_on_a_kept_page(self):
        run = self.finished()
        assert "is-fav" not in self.page(run)
        self.page(run)
        self.client.post(f"/generations/{run.pk}/favourite/", {"favourite": "1"})
        assert "is-fav" in self.page(run)
        self.client.post(f"/generations/{run.pk}/share/", {"visibility": "team", "team": ""})
        self.client.post(
            f"/generations/{run.pk}/share/", {"visibility": "team", "team": self.team.pk}
        )
        assert f'<option value="{self.team.pk}" selected>' in self.page(run)
        self.login(self.teammate)
        shared = self.page(run)
        assert "Shared by owner" in shared and "Move to trash" not in shared
        assert "Shared by owner" in self.page(run)
        self.login(self.owner)
        self.client.post(f"/generations/{run.pk}/delete/")
        assert self.client.get(f"/generations/{run.pk}/").status_code == 404
        self.login(self.teammate)
        assert self.client.get(f"/generations/{run.pk}/").status_code == 404

    def test_it_hides_on_a_kept_page_what_moderation_hides(self):
        run = self.finished()
        Run.objects.filter(pk=run.pk).update(visibility="team", team=self.team)
        self.login(self.teammate)
        for _ in range(2):
            assert "?download=1" in self.page(run)
        actions.runs_hide(runs=Run.objects.filter(pk=run.pk), hidden=True)
        assert self.client.get(f"/generations/{run.pk}/").status_code == 404
        assert self.client.get(f"/generations/{run.pk}/progress/").status_code == 404
        self.login(self.staff)
        for _ in range(2):
            review = self.page(run)
            assert "Staff review" in review and "?download=1" not in review
        actions.runs_hide(runs=Run.objects.filter(pk=run.pk), hidden=False)
        self.login(self.teammate)
        assert "?download=1" in self.page(run)

    def test_it_keeps_each_language_apart(self):
        run = self.finished()
        english = self.page(run)
        self.page(run)
        self.client.cookies["django_language"] = "ja"
        japanese = self.page(run)
        assert '<html lang="ja">' in japanese and '<html lang="en">' in english
        assert "Details" in english and "Details" not in japanese
        del self.client.cookies["django_language"]
        assert '<html lang="en">' in self.page(run)


class KeptRunPageFollowsTests(TrackingTestCase):
    def page(self, run: Run, query: str = "") -> str:
        response = self.client.get(f"/generations/{run.pk}/{query}")
        assert response.status_code == 200
        return response.content.decode()

    def test_it_shows_a_spending_alert_made_after_the_page_was_kept(self):
        run = self.finished(user=self.owner)
        Budget.objects.create(user=self.owner, monthly_points=run.points_spent)  # all used
        assert "See usage" not in self.page(run)  # kept, with no alert yet
        assert alerts.spend_alerts_check()
        assert "See usage" in self.page(run)

    def test_it_keeps_another_address_apart(self):
        run = self.finished(user=self.owner)
        assert f'value="/generations/{run.pk}/?from=mail"' in self.page(run, "?from=mail")
        assert "from=mail" not in self.page(run)
