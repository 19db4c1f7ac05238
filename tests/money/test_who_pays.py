"""Who pays is decided once, when a run's points are held: sharing a run with another
team, moving it or removing it changes who can see it, never who paid."""

from generator.models import Budget, LedgerEntry, Membership, Run
from generator.money import budgets, ledger
from tests.base import TrackingTestCase


class WhoPaysTests(TrackingTestCase):
    def setUp(self):
        super().setUp()
        # The owner is in two teams, each with room for one 2-point run a month.
        Membership.objects.create(team=self.other_team, user=self.owner)
        Budget.objects.create(team=self.team, monthly_points=2)
        Budget.objects.create(team=self.other_team, monthly_points=2)

    def run_billed_to(self, team) -> Run:
        run = self.start(team=str(team.pk), visibility="private")
        self.finish_upstream(run)
        self.poll(run)
        self.poll(run)
        assert run.state == "completed"
        return run

    def allowance(self, team) -> int:
        (found,) = [a for a in budgets.allowances(user=self.owner) if a.label == team.name]
        return found.used

    def test_it_keeps_a_shared_run_billed_to_the_team_that_paid(self):
        run = self.run_billed_to(self.team)
        response = self.client.post(
            f"/generations/{run.pk}/share/",
            {"visibility": "team", "team": self.other_team.pk},
        )
        assert response.status_code == 302
        run.refresh_from_db()
        assert (run.team_id, run.visibility) == (self.other_team.pk, "team")  # seen there now
        assert (self.allowance(self.team), self.allowance(self.other_team)) == (2, 0)
        key = self.form_key(self.form_page())
        refused = self.submit(data=self.watercolor_post(key, team=str(self.team.pk)))
        assert "the team Studio has 0 of its 2 points left" in refused.content.decode()
        assert self.sandbox.calls("generate") == 1

    def test_it_keeps_runs_shared_in_bulk_billed_to_the_team_that_paid(self):
        run = self.run_billed_to(self.team)
        response = self.client.post(
            "/generations/bulk/",
            {"action": "share", "team": self.other_team.pk, "ids": [str(run.pk)]},
        )
        assert response.status_code in (200, 302)
        assert Run.objects.get(pk=run.pk).team_id == self.other_team.pk
        assert (self.allowance(self.team), self.allowance(self.other_team)) == (2, 0)
        key = self.form_key(self.form_page())
        refused = self.submit(data=self.watercolor_post(key, team=str(self.team.pk)))
        assert "the team Studio has 0 of its 2 points left" in refused.content.decode()
        # The other team's budget is untouched and still pays for a run of its own.
        paid = self.run_billed_to(self.other_team)
        assert ledger.billing_of(run_id=paid.pk).team_id == self.other_team.pk
        assert self.sandbox.calls("generate") == 2

    def test_the_usage_page_splits_by_the_team_billed_not_the_team_shown(self):
        run = self.run_billed_to(self.team)
        Run.objects.filter(pk=run.pk).update(team=self.other_team, visibility="team")
        self.login(self.staff)
        page = self.client.get("/usage/", {"split": "team"}).content.decode()
        assert "Studio (2)" in page and "Elsewhere (2)" not in page

    def test_the_points_billed_equal_what_a1_charged(self):
        before = self.sandbox.balance()
        self.run_billed_to(self.team)
        failed = self.start(team=str(self.other_team.pk))
        self.finish_upstream(failed, "failed")
        self.poll(failed)
        spent = sum(
            LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SPEND).values_list("points", flat=True)
        )
        assert spent == before - self.sandbox.balance() == 2
        assert ledger.points_held(run_ids=[failed.pk]) == 0
