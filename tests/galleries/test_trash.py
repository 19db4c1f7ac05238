"""Deleting a run: undo at once, or restore it from the trash for TRASH_DAYS."""

from datetime import timedelta

from django.utils import timezone

from generator.models import Run
from tests.base import TrackingTestCase


class TrashTests(TrackingTestCase):
    def delete(self, run):
        return self.client.post(f"/generations/{run.id}/delete/", follow=True)

    def test_it_offers_undo_right_after_deleting(self):
        run = self.start()
        html = self.delete(run).content.decode()
        assert "is in the trash" in html
        assert f'action="/generations/{run.id}/restore/"' in html
        response = self.client.post(f"/generations/{run.id}/restore/")
        assert response["Location"] == f"/generations/{run.id}/"
        run.refresh_from_db()
        assert run.deleted_at is None
        assert self.client.get(f"/generations/{run.id}/").status_code == 200
        # The undo is offered once, not on every later visit.
        assert "is in the trash" not in self.client.get("/history/").content.decode()

    def test_the_trash_lists_my_deleted_runs_with_their_last_day(self):
        mine = self.start()
        kept = self.start()
        theirs = self.start(user=self.teammate)
        Run.objects.filter(pk=theirs.pk).update(deleted_at=timezone.now())
        self.login(self.owner)
        self.delete(mine)
        html = self.client.get("/trash/").content.decode()
        assert f'action="/generations/{mine.id}/restore/"' in html
        assert str(kept.id) not in html and str(theirs.id) not in html
        assert "restorable until" in html and "30 days" in html

    def test_it_restores_from_the_trash_page_for_the_team_too(self):
        run = self.start(visibility="team", team=str(self.team.id))
        self.delete(run)
        self.login(self.teammate)
        assert self.client.get(f"/generations/{run.id}/").status_code == 404
        self.login(self.owner)
        response = self.client.post(
            f"/generations/{run.id}/restore/", {"from": "trash"}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/trash/"
        assert "Restored" in response.content.decode()
        self.login(self.teammate)
        assert self.client.get(f"/generations/{run.id}/").status_code == 200

    def test_runs_older_than_the_window_are_gone_from_the_trash(self):
        run = self.start()
        Run.objects.filter(pk=run.pk).update(deleted_at=timezone.now() - timedelta(days=31))
        assert str(run.id) not in self.client.get("/trash/").content.decode()
        assert self.client.post(f"/generations/{run.id}/restore/").status_code == 404
        with self.settings(TRASH_DAYS=60):
            assert str(run.id) in self.client.get("/trash/").content.decode()

    def test_nobody_else_can_restore_my_run(self):
        run = self.start(visibility="team", team=str(self.team.id))
        self.delete(run)
        for user in (self.teammate, self.outsider):
            self.login(user)
            assert self.client.post(f"/generations/{run.id}/restore/").status_code == 404
            assert str(run.id) not in self.client.get("/trash/").content.decode()
        run.refresh_from_db()
        assert run.deleted_at is not None

    def test_restore_needs_a_post(self):
        run = self.start()
        self.delete(run)
        assert self.client.get(f"/generations/{run.id}/restore/").status_code == 405
