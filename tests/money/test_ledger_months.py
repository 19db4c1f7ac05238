"""The month totals the ledger keeps beside its entries (`LedgerMonth`): after holds,
releases, spends and an erasure, what a person, a team and a key are told they used
equals the sum of the entries that name them, and a recount writes the same totals."""

import uuid

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from generator.keys import services as keys
from generator.models import LedgerEntry, LedgerMonth, Run
from generator.money import budgets, ledger
from lifecycle.erasure import user_erase
from ops.chores import CHORES
from tests.base import TrackingTestCase


def entries_sum(**scope) -> int:
    scope.setdefault("day__gte", ledger.month_start())
    return LedgerEntry.objects.filter(**scope).aggregate(points=Sum("points", default=0))["points"]


class LedgerMonthTests(TrackingTestCase):
    def assert_totals_match_the_entries(self):
        for scope in ({"user": self.owner}, {"user": self.teammate}, {"team": self.team}):
            assert ledger.points_used(**scope) == entries_sum(**scope), scope
        kept = sorted(
            map(str, LedgerMonth.objects.values_list("user", "team", "api_key", "points"))
        )
        ledger.ledger_months_rebuild()
        recounted = sorted(
            map(str, LedgerMonth.objects.values_list("user", "team", "api_key", "points"))
        )
        assert kept == recounted

    def test_it_counts_holds_releases_and_spends_as_the_entries_do(self):
        running = self.start(team=str(self.team.pk))  # held: 2 images quoted
        assert ledger.points_used(user=self.owner) == running.points_quoted > 0
        self.assert_totals_match_the_entries()
        self.finish_upstream(running)
        self.poll(running)  # spent
        failed = self.start(team=str(self.team.pk))
        self.finish_upstream(failed, "failed")
        self.poll(failed)  # released
        assert failed.state == "failed"
        self.finished(user=self.teammate, team=str(self.team.pk))
        assert ledger.points_used(team=self.team) == entries_sum(team=self.team) > 0
        mine = [a for a in budgets.allowances(user=self.owner) if a.label == self.team.name]
        assert mine[0].used == entries_sum(team=self.team)
        self.assert_totals_match_the_entries()

    def test_it_counts_a_key_its_owner_and_the_team_each_once(self):
        key, _token = keys.key_create(user=self.owner, name="ci", monthly_points=100)
        run = Run.objects.create(user=self.owner, idempotency_key=uuid.uuid4(), app_id="x")
        billing = ledger.Billing(self.owner.pk, self.team.pk, key.pk)
        with transaction.atomic():
            ledger.ledger_hold(points=7, billing=billing, run=run)
        assert ledger.points_used(api_key=key) == 7
        with transaction.atomic():
            ledger.ledger_spend(run_id=run.pk, points=5)
        assert ledger.points_used(api_key=key) == 5 == entries_sum(api_key=key)
        assert ledger.points_used(user=self.owner) == 5
        assert ledger.points_used(team=self.team) == 5
        with transaction.atomic():  # a run is spent once: the second changes nothing
            assert not ledger.ledger_spend(run_id=run.pk, points=5)
        assert ledger.points_used(api_key=key) == 5
        self.assert_totals_match_the_entries()

    def test_an_erasure_takes_the_persons_totals_and_leaves_the_teams(self):
        self.finished(user=self.teammate, team=str(self.team.pk))
        self.finished(user=self.owner, team=str(self.team.pk))
        team_before = ledger.points_used(team=self.team)
        gone = self.teammate.pk
        user_erase(user=self.teammate, by=self.staff)
        assert ledger.points_used(team=self.team) == team_before == entries_sum(team=self.team)
        assert not LedgerMonth.objects.filter(user_id=gone).exists()
        assert LedgerMonth.objects.filter(user=self.owner).exists()
        assert ledger.points_used(user=self.owner) == entries_sum(user=self.owner)
        ledger.ledger_months_rebuild()
        assert ledger.points_used(team=self.team) == team_before

    def test_a_period_from_another_day_is_summed_from_the_entries(self):
        self.finished()
        since = ledger.month_start().replace(day=2)
        assert ledger.points_used(user=self.owner, since=since) == entries_sum(
            user=self.owner, day__gte=since
        )

    def test_it_mends_totals_an_older_release_left_short_so_the_budget_check_sees_them(self):
        budgets_before = ledger.points_used(user=self.owner)
        run = Run.objects.create(user=self.owner, idempotency_key=uuid.uuid4(), app_id="x")
        # An entry written without its total, as a process of an older release would.
        LedgerEntry.objects.create(
            kind=LedgerEntry.Kind.SPEND,
            points=9,
            day=timezone.localdate(),
            user=self.owner,
            team=self.team,
            run=run,
        )
        assert ledger.points_used(user=self.owner) == budgets_before  # the total is short
        assert ledger.ledger_months_mend() == 2  # the person's month and the team's
        assert ledger.points_used(user=self.owner) == budgets_before + 9
        assert ledger.points_used(team=self.team) == entries_sum(team=self.team)
        assert ledger.ledger_months_mend() == 0  # nothing left to mend
        self.assert_totals_match_the_entries()

    def test_it_runs_the_mending_every_day_on_the_workers(self):
        period, chore = CHORES["mend_ledger_months"]
        assert period.days == 1
        LedgerMonth.objects.filter(user=self.owner).delete()
        self.finished(user=self.owner, team=str(self.team.pk))
        LedgerMonth.objects.filter(user=self.owner).delete()
        assert chore.call() == 1
        assert ledger.points_used(user=self.owner) == entries_sum(user=self.owner) > 0
