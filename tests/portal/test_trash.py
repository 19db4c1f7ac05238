"""Deleting a run: undo at once, or restore it from the trash for TRASH_DAYS."""

from datetime import timedelta

from django.utils import timezone

from generator.models import Generation
from tests.portal.tracking_base import TrackingTestCase


class TrashTests(TrackingTestCase):
    def delete(self, generation):
        return self.client.post(f"/generations/{generation.id}/delete/", follow=True)

    def test_it_offers_undo_right_after_deleting(self):
        generation = self.start()
        html = self.delete(generation).content.decode()
        assert "is in the trash" in html
        assert f'action="/generations/{generation.id}/restore/"' in html
        response = self.client.post(f"/generations/{generation.id}/restore/")
        assert response["Location"] == f"/generations/{generation.id}/"
        generation.refresh_from_db()
        assert generation.deleted_at is None
        assert self.client.get(f"/generations/{generation.id}/").status_code == 200
        # The undo is offered once, not on every later visit.
        assert "is in the trash" not in self.client.get("/history/").content.decode()

    def test_the_trash_lists_my_deleted_runs_with_their_last_day(self):
        mine = self.start()
        kept = self.start()
        theirs = self.start(user=self.teammate)
        Generation.objects.filter(pk=theirs.pk).update(deleted_at=timezone.now())
        self.login(self.owner)
        self.delete(mine)
        html = self.client.get("/trash/").content.decode()
        assert f'action="/generations/{mine.id}/restore/"' in html
        assert str(kept.id) not in html and str(theirs.id) not in html
        assert "restorable until" in html and "30 days" in html

    def test_it_restores_from_the_trash_page_for_the_team_too(self):
        generation = self.start(visibility="team", team=str(self.team.id))
        self.delete(generation)
        self.login(self.teammate)
        assert self.client.get(f"/generations/{generation.id}/").status_code == 404
        self.login(self.owner)
        response = self.client.post(
            f"/generations/{generation.id}/restore/", {"from": "trash"}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/trash/"
        assert "Restored" in response.content.decode()
        self.login(self.teammate)
        assert self.client.get(f"/generations/{generation.id}/").status_code == 200

    def test_runs_older_than_the_window_are_gone_from_the_trash(self):
        generation = self.start()
        Generation.objects.filter(pk=generation.pk).update(
            deleted_at=timezone.now() - timedelta(days=31)
        )
        assert str(generation.id) not in self.client.get("/trash/").content.decode()
        assert self.client.post(f"/generations/{generation.id}/restore/").status_code == 404
        with self.settings(TRASH_DAYS=60):
            assert str(generation.id) in self.client.get("/trash/").content.decode()

    def test_nobody_else_can_restore_my_run(self):
        generation = self.start(visibility="team", team=str(self.team.id))
        self.delete(generation)
        for user in (self.teammate, self.outsider):
            self.login(user)
            assert self.client.post(f"/generations/{generation.id}/restore/").status_code == 404
            assert str(generation.id) not in self.client.get("/trash/").content.decode()
        generation.refresh_from_db()
        assert generation.deleted_at is not None

    def test_restore_needs_a_post(self):
        generation = self.start()
        self.delete(generation)
        assert self.client.get(f"/generations/{generation.id}/restore/").status_code == 405
