"""Gallery stamps: every change to what a gallery shows moves them; nothing else does."""

from datetime import timedelta

from django.utils import timezone

from generator.files import queue
from generator.galleries import pages as galleries
from generator.models import GalleryStamp, Run
from generator.runs import actions, removal
from ops.chores import CHORES
from tests.base import TrackingTestCase


class GalleryStampTests(TrackingTestCase):
    def tokens(self, user=None) -> str:
        return galleries.page_tokens(user=user or self.owner)

    def test_it_moves_for_the_owner_and_the_team_of_a_changed_run(self):
        run = self.start()
        mine, mates, outsiders = (
            self.tokens(),
            self.tokens(self.teammate),
            self.tokens(self.outsider),
        )
        actions.run_share(run=run, visibility="team", team=self.team)
        assert self.tokens() != mine
        assert self.tokens(self.teammate) != mates  # the team's gallery shows it now
        assert self.tokens(self.outsider) == outsiders

    def test_it_moves_both_teams_when_a_run_changes_team(self):
        run = self.start()
        actions.run_share(run=run, visibility="team", team=self.team)
        mates = self.tokens(self.teammate)
        Run.objects.filter(pk=run.pk).update(team_id=self.other_team.pk)
        assert self.tokens(self.teammate) != mates  # it left their gallery
        assert f"t:{self.other_team.pk}=" in self.tokens(self.outsider)

    def test_it_stays_still_while_the_worker_polls_a_running_run(self):
        run = self.start()
        before = self.tokens()
        for _ in range(3):
            self.poll(run)  # real task queries to the sandbox, the task still running
        assert run.state == "running" and run.poll_count >= 3
        assert self.tokens() == before
        self.finish_upstream(run)
        self.poll(run)
        assert run.state == "completed" and self.tokens() != before

    def test_it_moves_when_runs_are_deleted_for_good(self):
        run = self.start()
        before = self.tokens()
        removal.runs_remove(ids=[run.pk])  # as staff or the trash purge do
        queue.files_remove_all_pending()
        assert self.tokens() != before

    def test_it_prunes_old_rows_and_keeps_each_scopes_newest(self):
        for _ in range(5):
            GalleryStamp.objects.bump(users=[self.owner.pk], teams=[self.team.pk])
        fresh = galleries.page_tokens(user=self.owner)
        assert galleries.prune_gallery_stamps.call() == 0  # young rows stay: pages count them
        assert galleries.page_tokens(user=self.owner) == fresh
        GalleryStamp.objects.update(created=timezone.now() - timedelta(hours=1))
        newest = {
            scope: GalleryStamp.objects.filter(scope=scope).latest("id").id
            for scope in (f"u:{self.owner.pk}", f"t:{self.team.pk}")
        }
        assert galleries.prune_gallery_stamps.call() >= 8
        kept = dict(GalleryStamp.objects.values_list("scope", "id"))
        assert {scope: kept[scope] for scope in newest} == newest
        assert "prune_gallery_stamps" in CHORES  # every five minutes, on the workers' sweeps
