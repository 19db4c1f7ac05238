"""The viewer's markup on the pages that show results, and media that do not break it."""

from generator.models import Run
from tests.base import TrackingTestCase


class ViewerTests(TrackingTestCase):
    def completed(self) -> Run:
        run = self.start()
        self.finish_upstream(run)
        self.poll(run)
        return run

    def test_the_run_page_opens_each_result_in_the_viewer(self):
        run = self.completed()
        html = self.client.get(f"/generations/{run.id}/").content.decode()
        assert '<ul class="results" data-gallery>' in html
        for result in run.results.all():
            assert (
                f'<a href="/media/results/{result.id}" data-viewer'
                f' data-pswp-width="{result.width}" data-pswp-height="{result.height}"'
                f' data-download="/media/results/{result.id}?download=1"'
                f' data-result="{result.id}" data-remix="/apps/{run.app_id}/?remix={run.id}">'
            ) in html
            # "Use as input" beside each result, as in the viewer's panel.
            assert f'href="/results/{result.id}/use/"' in html
        # The library is vendored: our own script, which loads it from our static files.
        assert "vendor/photoswipe/photoswipe.css" in html
        assert 'data-photoswipe="/static/vendor/photoswipe/photoswipe.esm.min.js"' in html

    def test_the_galleries_load_the_viewer(self):
        self.login()
        for url in ("/history/", "/team/"):
            html = self.client.get(url).content.decode()
            assert "js/viewer.js" in html and "css/viewer.css" in html, url

    def test_an_image_opened_on_its_own_may_use_the_browsers_image_page(self):
        run = self.completed()
        result = run.results.first()
        for url in (
            f"/media/results/{result.id}",
            f"/media/results/{result.id}/thumb",
            f"/media/inputs/{run.inputs.get().id}",
        ):
            response = self.client.get(url)
            csp = response["Content-Security-Policy"]
            assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
            assert "style-src 'unsafe-inline'" in csp and "default-src 'none'" in csp, url
            assert "script-src" not in csp and "frame-ancestors 'none'" in csp
        # Pages keep their strict policy.
        page = self.client.get(f"/generations/{run.id}/")
        assert "'unsafe-inline'" not in page["Content-Security-Policy"]
