"""/compare/keep/: "Keep this one" favourites the chosen result's run and can move the
other compared runs to the trash, with the galleries' Undo; only the person's own."""

from django.test import Client

from generator.models import ResultImage, Run
from tests.base import TrackingTestCase


class CompareKeepTests(TrackingTestCase):
    def completed(self, user=None) -> Run:
        run = self.start(user)
        self.finish_upstream(run)
        self.poll(run)
        assert run.state == Run.State.COMPLETED
        return run

    def first_result(self, run: Run) -> ResultImage:
        result = run.results.order_by("index").first()
        assert result is not None
        return result

    def keep(self, keep: ResultImage, results, *, trash=False, client=None):
        data = {"r": [str(r.id) for r in results], "keep": str(keep.id)}
        if trash:
            data["trash_others"] = "1"
        return (client or self.client).post("/compare/keep/", data)

    def test_it_keeps_one_in_the_favourites_and_trashes_the_others_with_undo(self):
        runs = [self.completed() for _ in range(3)]
        results = [self.first_result(run) for run in runs]
        self.login()
        page = self.client.get("/compare/", {"r": [str(r.id) for r in results]}).content.decode()
        assert page.count("Keep this one") == 3 and "move the others to the trash" in page

        response = self.keep(results[1], results, trash=True)
        # PRG: back to the comparison, now holding only the kept one.
        assert response.status_code == 302
        assert response["Location"] == f"/compare/?r={results[1].id}"
        runs = [Run.objects.get(pk=run.pk) for run in runs]
        assert runs[1].favourite and runs[1].deleted_at is None
        assert not runs[0].favourite and runs[0].deleted_at is not None
        assert runs[2].deleted_at is not None

        html = self.client.get(response["Location"]).content.decode()
        assert "Kept result 1 of “Watercolor portrait”: it is in your favourites." in html
        assert "2 other runs are in the trash." in html
        assert html.count("data-compare-pane") == 1 and "You picked" not in html
        # The galleries' Undo: both back, and the whole comparison with them.
        assert 'name="action" value="restore"' in html
        undo = {"action": "restore", "ids": [str(runs[0].pk), str(runs[2].pk)]}
        undo["next"] = "/compare/?" + "&".join(f"r={r.id}" for r in results)
        back = self.client.post("/generations/bulk/", undo)
        assert back.status_code == 302 and back["Location"] == undo["next"]
        assert Run.objects.filter(pk__in=[r.pk for r in runs], deleted_at=None).count() == 3
        html = self.client.get(back["Location"]).content.decode()
        assert "2 runs restored." in html and html.count("data-compare-pane") == 3

    def test_it_keeps_without_trashing_when_not_asked_to(self):
        one, two = self.completed(), self.completed()
        results = [self.first_result(one), self.first_result(two)]
        self.login()
        response = self.keep(results[0], results)
        assert response.status_code == 302
        one.refresh_from_db()
        two.refresh_from_db()
        assert one.favourite and not two.favourite and two.deleted_at is None
        html = self.client.get(response["Location"]).content.decode()
        assert "it is in your favourites." in html and "in the trash" not in html
        assert html.count("data-compare-pane") == 2

    def test_it_never_trashes_the_kept_run_nor_someone_elses(self):
        mine = self.completed()
        shared = self.completed(self.teammate)
        Run.objects.filter(pk=shared.pk).update(visibility="team", team=self.team)
        first, second = mine.results.order_by("index")
        theirs = self.first_result(shared)
        self.login()
        response = self.keep(first, [first, second, theirs], trash=True)
        assert response.status_code == 302
        mine.refresh_from_db()
        shared.refresh_from_db()
        assert mine.favourite and mine.deleted_at is None  # its other result stays too
        assert shared.deleted_at is None and not shared.favourite
        html = self.client.get(response["Location"]).content.decode()
        assert "1 other run stayed: only your own runs can be moved to the trash." in html
        # A teammate's result shows no "Keep this one" of its own.
        assert html.count("Keep this one") == 2

    def test_it_is_a_404_for_someone_elses_run(self):
        shared = self.completed(self.teammate)
        Run.objects.filter(pk=shared.pk).update(visibility="team", team=self.team)
        mine = self.completed()
        results = [self.first_result(shared), self.first_result(mine)]
        # Visible to me (shared with my team), yet not mine to keep.
        self.login()
        assert self.keep(results[0], results, trash=True).status_code == 404
        # Not visible at all to an outsider.
        self.login(self.outsider)
        assert self.keep(results[1], results, trash=True).status_code == 404
        assert self.keep(results[1], [], trash=True).status_code == 404
        for run in (shared, mine):
            run.refresh_from_db()
            assert not run.favourite and run.deleted_at is None

    def test_it_needs_a_csrf_token_a_post_and_a_login(self):
        one, two = self.completed(), self.completed()
        results = [self.first_result(one), self.first_result(two)]
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.owner)
        assert self.keep(results[0], results, trash=True, client=strict).status_code == 403
        one.refresh_from_db()
        assert not one.favourite
        self.login()
        assert self.client.get("/compare/keep/").status_code == 405
        self.client.logout()
        response = self.keep(results[0], results)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
