"""/runs/<id>/progress/: when a run ends, its page gets everything that changed
(results, ZIP, points, actions) in one answer, with `runs-finished` for the tab."""

import json

from generator.models import Run
from tests.base import TrackingTestCase


class RunPageLiveTests(TrackingTestCase):
    def progress(self, run: Run):
        return self.client.get(f"/generations/{run.id}/progress/", HTTP_HX_REQUEST="true")

    def test_it_keeps_polling_only_the_progress_block_while_running(self):
        run = self.start()
        response = self.progress(run)
        html = response.content.decode()
        assert 'hx-trigger="every 2s"' in html and "Running" in html
        assert "HX-Trigger" not in response and "HX-Retarget" not in response
        assert "Download all (ZIP)" not in html and "Points spent" not in html

    def test_it_swaps_in_the_whole_finished_run_and_says_so_once(self):
        run = self.start()
        page = self.client.get(f"/generations/{run.id}/").content.decode()
        assert 'id="run"' in page and "Download all (ZIP)" not in page
        self.finish_upstream(run)
        self.poll(run)
        response = self.progress(run)
        html = response.content.decode()
        assert "<html" not in html and html.lstrip().startswith('<div id="run">')
        assert response["HX-Retarget"] == "#run" and response["HX-Reswap"] == "outerHTML"
        assert "Completed" in html and "hx-trigger" not in html  # the poll stops here
        for result in run.results.all():
            assert f"/media/results/{result.id}/thumb" in html
        assert "Download all (ZIP)" in html
        assert f'href="/generations/{run.id}/download.zip"' in html
        assert "Points spent" in html and f"<dd>{run.points_spent}</dd>" in html
        assert "Enhance (3 points)" in html and "Remix" in html
        assert response["HX-Trigger"].count("runs-finished") == 1
        assert json.loads(response["HX-Trigger"]) == {
            "runs-finished": {
                "runs": [
                    {
                        "id": str(run.id),
                        "name": "Watercolor portrait",
                        "state": "completed",
                        "url": f"/generations/{run.id}/",
                    }
                ]
            }
        }

    def test_it_swaps_in_a_failure_with_its_way_to_run_again(self):
        run = self.start()
        self.finish_upstream(run, "failed")
        self.poll(run)
        response = self.progress(run)
        html = response.content.decode()
        assert "No points were taken" in html and "Run again with the same inputs" in html
        assert "Download all (ZIP)" not in html
        (ended,) = json.loads(response["HX-Trigger"])["runs-finished"]["runs"]
        assert ended["state"] == "failed"

    def test_it_tells_a_teammate_watching_a_shared_run_without_owner_actions(self):
        run = self.start()
        Run.objects.filter(pk=run.pk).update(visibility="team", team=self.team)
        self.finish_upstream(run)
        self.poll(run)
        self.login(self.teammate)
        response = self.progress(run)
        html = response.content.decode()
        assert "Download all (ZIP)" in html and "Shared by owner" in html
        assert "Move to trash" not in html and "runs-finished" in response["HX-Trigger"]

    def test_it_never_asks_a1_while_pages_watch(self):
        run = self.start()
        self.finish_upstream(run)
        self.poll(run)
        calls = self.sandbox.stats()["calls"]
        for _ in range(5):
            self.progress(run)
        assert self.sandbox.stats()["calls"] == calls

    def test_it_offers_notifications_and_the_finished_favicon_on_the_run_page(self):
        run = self.start()
        html = self.client.get(f"/generations/{run.id}/").content.decode()
        assert "Notify me when runs finish" in html and 'aria-pressed="false"' in html
        assert "data-notify hidden" in html  # shown only where the browser can notify
        assert "/static/js/live.js" in html and "favicon-done.svg" in html

    def test_it_hides_other_peoples_runs(self):
        run = self.start()
        self.finish_upstream(run)
        self.poll(run)
        self.login(self.outsider)
        assert self.progress(run).status_code == 404
