"""/runs/<id>/: progress that stops itself, results, run again, enhance."""

import re

import pytest
from django.core.files.base import ContentFile
from django.db.models import Sum

from generator.models import InputImage, LedgerEntry, ResultImage, Run
from tests.base import TrackingTestCase, photo


def action_key(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', html)
    assert found is not None
    return found.group(1)


class ProgressTests(TrackingTestCase):
    def test_it_polls_our_database_while_running_and_stops_when_done(self):
        run = self.start()
        url = f"/generations/{run.id}/progress/"
        running = self.client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert 'hx-trigger="every 2s"' in running and "Running" in running
        assert "<html" not in running  # just the fragment
        calls = self.sandbox.stats()["calls"]
        for _ in range(10):  # ten tabs watching
            self.client.get(url, HTTP_HX_REQUEST="true")
        assert self.sandbox.stats()["calls"] == calls  # the browser never reaches A1
        self.finish_upstream(run)
        self.poll(run)
        done = self.client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert "hx-trigger" not in done and "Completed" in done
        for result in run.results.all():
            assert f"/media/results/{result.id}/thumb" in done
            assert f"/media/results/{result.id}?download=1" in done

    def test_it_tells_the_browser_the_real_width_of_a_portrait_results_thumbnail(self):
        run = self.start()
        self.finish_upstream(run)
        self.poll(run)
        result = run.results.first()
        ResultImage.objects.filter(pk=result.pk).update(width=800, height=1200)
        page = self.client.get(f"/generations/{run.id}/").content.decode()
        # The thumbnail fits a 320 px square: a 2:3 result's is 213 px wide, not 320.
        assert f"/media/results/{result.id}/thumb 213w" in page
        assert f"/media/results/{result.id}/thumb 320w" not in page

    def test_it_offers_a_refresh_link_without_javascript(self):
        run = self.start()
        html = self.client.get(f"/generations/{run.id}/").content.decode()
        assert "<noscript>" in html and f'href="/generations/{run.id}/"' in html

    def test_it_explains_a_failure_and_offers_to_run_again_once(self):
        run = self.start()
        self.finish_upstream(run, "failed")
        self.poll(run)
        html = self.client.get(f"/generations/{run.id}/").content.decode()
        assert "sandbox failure" in html and "No points were taken" in html
        key = action_key(html)
        first = self.client.post(f"/generations/{run.id}/rerun/", {"idempotency_key": key})
        second = self.client.post(f"/generations/{run.id}/rerun/", {"idempotency_key": key})
        assert first["Location"] == second["Location"] != f"/generations/{run.id}/"
        rerun = Run.objects.exclude(pk=run.pk).get()
        assert rerun.params == run.params and rerun.state == Run.State.RUNNING
        assert rerun.inputs.get().file.name == run.inputs.get().file.name
        assert self.sandbox.calls("generate") == 2 and self.sandbox.calls("upload") == 1

    def test_it_lets_only_the_owner_act_on_a_run(self):
        run = self.start()
        Run.objects.filter(pk=run.pk).update(visibility="team", team=self.team)
        self.login(self.teammate)
        assert self.client.get(f"/generations/{run.id}/").status_code == 200
        for action in ("rerun", "resume"):
            response = self.client.post(
                f"/generations/{run.id}/{action}/",
                {"idempotency_key": "8f2a7c7e-5f7a-4d8e-9d55-0d7f7a0f7c11"},
            )
            assert response.status_code == 404

    def test_it_resumes_a_stalled_run(self):
        run = self.start()
        Run.objects.filter(pk=run.pk).update(state=Run.State.STALLED)
        html = self.client.get(f"/generations/{run.id}/").content.decode()
        assert "much longer than usual" in html
        self.client.post(f"/generations/{run.id}/resume/")
        run.refresh_from_db()
        assert run.state == Run.State.RUNNING


class AppNameTests(TrackingTestCase):
    def test_it_names_the_app_in_the_readers_language_whatever_it_was_started_under(self):
        run = self.start()  # started in English: the run keeps "Watercolor portrait"
        self.client.get(f"/apps/{run.app_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans")  # read in Chinese
        html = self.client.get(f"/generations/{run.id}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        heading = re.search(r"<h1>([^<]*)</h1>", html.content.decode()).group(1)
        assert "Watercolor" not in heading and re.search(r"[\u4e00-\u9fff]{2}", heading), heading
        english = self.client.get(f"/generations/{run.id}/", HTTP_ACCEPT_LANGUAGE="en")
        assert "<h1>Watercolor portrait</h1>" in english.content.decode()


class EnhanceTests(TrackingTestCase):
    def completed(self):
        run = self.start()
        self.finish_upstream(run)
        self.poll(run)
        return run

    @pytest.mark.storage
    def test_it_enhances_a_result_once_per_click_and_shows_before_and_after(self):
        run = self.completed()
        html = self.client.get(f"/generations/{run.id}/").content.decode()
        result = run.results.first()
        data = {"result": str(result.id), "idempotency_key": action_key(html)}
        first = self.client.post("/enhance/", data)
        second = self.client.post("/enhance/", data)
        assert first["Location"] == second["Location"]
        enhancement = Run.objects.get(kind=Run.Kind.ENHANCE)
        assert enhancement.points_quoted == 3 and enhancement.source_result == result
        assert self.sandbox.calls("optimize") == 1
        self.finish_upstream(enhancement)
        self.poll(enhancement)
        page = self.client.get(first["Location"]).content.decode()
        assert "Before" in page and "After" in page
        assert f"/media/results/{result.id}" in page
        (after,) = enhancement.results.all()
        assert (after.width, after.height) == (result.width * 2, result.height * 2)
        assert self.sandbox.stats()["points_spent"]["sandbox"] == 2 + 3

    @pytest.mark.storage
    def test_it_says_so_when_the_image_to_enhance_went_from_storage_and_holds_nothing(self):
        run = self.completed()
        html = self.client.get(f"/generations/{run.id}/").content.decode()
        result = run.results.first()
        kept = result.file.read()
        result.file.close()
        result.file.storage.delete(result.file.name)  # gone behind its row (a purge, a disk)
        data = {"result": str(result.id), "idempotency_key": action_key(html)}
        try:
            response = self.client.post("/enhance/", data, follow=True)
        finally:  # put back, so storage and rows agree again at the end
            result.file.storage.save(result.file.name, ContentFile(kept))
        assert response.status_code == 200
        assert "no longer kept, so it cannot be enhanced" in response.content.decode()
        assert not Run.objects.filter(kind=Run.Kind.ENHANCE).exists()
        # Held, then released at once: the month counts only the run's 2 points.
        held = LedgerEntry.objects.filter(user=self.owner).aggregate(total=Sum("points"))
        assert held["total"] == run.points_spent == 2
        assert self.sandbox.calls("upload") == 1 and self.sandbox.calls("optimize") == 0

    def test_it_enhances_an_input_photo_without_uploading_it_again(self):
        run = self.start()
        photo_id = run.inputs.get().id
        html = self.client.get(f"/generations/{run.id}/").content.decode()
        self.client.post("/enhance/", {"input": str(photo_id), "idempotency_key": action_key(html)})
        assert self.sandbox.calls("upload") == 1 and self.sandbox.calls("optimize") == 1

    def test_it_enhances_a_new_photo_scaling_it_down_first(self):
        self.login()
        page = self.client.get("/enhance/").content.decode()
        response = self.client.post(
            "/enhance/",
            {
                "idempotency_key": action_key(page),
                "cnet_enhance": photo("big.png", "PNG", size=(3000, 1500)),
            },
        )
        enhancement = Run.objects.get(kind=Run.Kind.ENHANCE)
        assert response["Location"] == f"/generations/{enhancement.id}/"
        assert "Scaled down from 3000×1500 to 2048×1024" in " ".join(enhancement.params["notes"])

    def test_it_refuses_to_enhance_without_a_photo(self):
        self.login()
        page = self.client.get("/enhance/").content.decode()
        response = self.client.post("/enhance/", {"idempotency_key": action_key(page)})
        assert response.status_code == 200 and b"Choose a photo" in response.content
        assert self.sandbox.calls("optimize") == 0

    def test_it_does_not_enhance_images_the_user_cannot_see(self):
        run = self.completed()
        result = run.results.first()
        self.login(self.outsider)
        key = "8f2a7c7e-5f7a-4d8e-9d55-0d7f7a0f7c11"
        assert (
            self.client.post(
                "/enhance/", {"result": str(result.id), "idempotency_key": key}
            ).status_code
            == 404
        )
        image = InputImage.objects.first()
        assert (
            self.client.post(
                "/enhance/", {"input": str(image.id), "idempotency_key": key}
            ).status_code
            == 404
        )


class ResultMediaTests(TrackingTestCase):
    def test_it_serves_results_only_to_those_allowed(self):
        run = self.start()
        self.finish_upstream(run)
        self.poll(run)
        result = ResultImage.objects.first()
        urls = [f"/media/results/{result.id}", f"/media/results/{result.id}/thumb"]
        for user, status in [
            (self.owner, 200),
            (self.staff, 200),
            (self.teammate, 404),
            (self.outsider, 404),
        ]:
            self.client.force_login(user)
            assert [self.client.get(u).status_code for u in urls] == [status, status]
        self.client.force_login(self.owner)
        download = self.client.get(f"/media/results/{result.id}?download=1")
        assert download["Content-Disposition"].startswith("attachment;")
        assert "watercolor-portrait" in download["Content-Disposition"]
        assert self.client.get(urls[1])["Content-Type"] == "image/webp"
