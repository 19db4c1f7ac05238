"""/compare/: two to four results side by side, each checked like any other lookup."""

from generator.models import ResultImage, Run
from tests.base import TrackingTestCase


class CompareTests(TrackingTestCase):
    def completed(self, user=None) -> Run:
        run = self.start(user)
        self.finish_upstream(run)
        self.poll(run)
        assert run.state == Run.State.COMPLETED
        return run

    def results(self, *runs) -> list[ResultImage]:
        return [r for g in runs for r in g.results.order_by("index")]

    def compare(self, results, user=None):
        self.login(user or self.owner)
        return self.client.get("/compare/", {"r": [str(r.id) for r in results]})

    def test_it_shows_the_owner_two_results_of_one_run_side_by_side(self):
        run = self.completed()
        first, second = self.results(run)
        response = self.compare([second, first])
        html = response.content.decode()
        assert response.status_code == 200
        # In the order picked, full size, each named by its app with a link to its run.
        assert html.index(f'src="/media/results/{second.id}"') < html.index(
            f'src="/media/results/{first.id}"'
        )
        assert html.count("Watercolor portrait") >= 2
        assert html.count(f'href="/generations/{run.id}/"') >= 2
        assert 'type="range"' in html and "Zoom" in html  # one zoom for all of them
        assert "js/compare.js" in html

    def test_it_compares_results_of_several_runs_up_to_four(self):
        one, two = self.completed(), self.completed()
        response = self.compare(self.results(one, two))
        html = response.content.decode()
        assert response.status_code == 200 and html.count("data-compare-pane") == 4
        for run in (one, two):
            assert f'href="/generations/{run.id}/"' in html

    def test_it_lets_a_teammate_compare_a_run_shared_with_the_team(self):
        run = self.completed()
        Run.objects.filter(pk=run.pk).update(visibility="team", team=self.team)
        response = self.compare(self.results(run), user=self.teammate)
        assert response.status_code == 200
        assert response.content.decode().count("data-compare-pane") == 2

    def test_it_hides_results_the_user_cannot_see(self):
        run = self.completed()
        results = self.results(run)
        # A private run: not to a teammate, nor to someone in another team.
        assert self.compare(results, user=self.teammate).status_code == 404
        Run.objects.filter(pk=run.pk).update(visibility="team", team=self.team)
        assert self.compare(results, user=self.outsider).status_code == 404
        # One visible result does not reveal the other: the whole page is a 404.
        mine = self.completed(self.outsider)
        assert self.compare([*self.results(mine)[:1], results[0]], self.outsider).status_code == 404
        # Nor do runs in the trash, or ids that are not ids.
        Run.objects.filter(pk=mine.pk).update(deleted_at=run.created)
        assert self.compare(self.results(mine), self.outsider).status_code == 404
        self.login(self.outsider)
        assert self.client.get("/compare/", {"r": ["nope", "x"]}).status_code == 404

    def test_it_explains_when_too_few_or_too_many_are_picked(self):
        one, two, three = self.completed(), self.completed(), self.completed()
        results = self.results(one, two, three)
        self.login()
        for picked, words in (
            ([], "You picked 0 results: pick two to four"),
            (results[:1], "You picked 1 result: pick two to four"),
            ([results[0], results[0]], "You picked 1 result: pick two to four"),  # once
            (results[:5], "You picked 5 results: compare at most four at a time."),
        ):
            response = self.client.get("/compare/", {"r": [str(r.id) for r in picked]})
            html = response.content.decode()
            assert response.status_code == 200, picked
            assert words in html and "data-compare-pane" not in html
        # The five picked are named, with links back to their runs.
        assert html.count('<li><a href="/generations/') == 5
        for run in (one, two, three):
            assert f'href="/generations/{run.id}/"' in html

    def test_it_needs_a_login(self):
        response = self.client.get("/compare/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_the_run_page_offers_a_compare_form_that_works_without_javascript(self):
        run = self.completed()
        html = self.client.get(f"/generations/{run.id}/").content.decode()
        assert '<form id="compare-form" method="get" action="/compare/"' in html
        for result in self.results(run):
            assert f'name="r" value="{result.id}" form="compare-form"' in html
        assert "Compare selected" in html
