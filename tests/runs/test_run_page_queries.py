"""The run page and its 2 s progress fragment read only what they show: a fixed number of
queries, whatever the run's images, the person's history or their teams' work."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from generator.models import ResultImage, Run
from tests.base import TrackingTestCase

# What every logged-in request pays (/ping too): the session, the person, their profile.
EVERY_REQUEST = 3
# The fragment: the run (access included) and its images.
FRAGMENT = EVERY_REQUEST + 2
# A finished run's page or block, kept: the run, and the viewer's page tokens (their
# gallery stamps and the banners), which its key names.
KEPT = EVERY_REQUEST + 2
# The page drawn: the fragment's, the photos, the person's teams (the share form), the
# app's name in the reader's language, the four banners of base.html (approvals, budget
# alerts, the balance alert, an export) and the page tokens of the key it is kept under.
PAGE = FRAGMENT + 2 + 1 + 4 + 1


class RunPageQueryTests(TrackingTestCase):
    def queries(self, url: str, **headers) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url, **headers)
        assert response.status_code == 200
        return len(captured)

    def more_history(self, count: int) -> None:
        Run.objects.bulk_create(
            Run(user=self.owner, idempotency_key=uuid.uuid4(), app_id="x", state="completed")
            for _ in range(count)
        )

    def test_it_polls_a_running_run_in_a_fixed_number_of_queries(self):
        run = self.start()
        url = f"/generations/{run.pk}/progress/"
        self.client.get(url, HTTP_HX_REQUEST="true")  # the app's typical time, cached
        assert self.queries(url, HTTP_HX_REQUEST="true") <= FRAGMENT
        self.more_history(40)
        self.login(self.teammate)  # a teammate watching a shared run pays the same
        Run.objects.filter(pk=run.pk).update(visibility="team", team=self.team)
        assert self.queries(url, HTTP_HX_REQUEST="true") <= FRAGMENT

    def test_it_draws_a_finished_run_in_a_fixed_number_of_queries(self):
        run = self.finished()
        page = f"/generations/{run.pk}/"
        self.client.get(page)  # drawn and kept for this browser (its CSRF cookie)
        assert self.queries(page) == KEPT
        # More images and a longer history: the history's change retires the kept page,
        # which is drawn once again in a fixed number of queries, then kept.
        ResultImage.objects.bulk_create(
            ResultImage(run=run, index=10 + n, upstream_url="https://a1.example/x.jpg")
            for n in range(6)
        )
        self.more_history(40)
        drawn = self.queries(page)
        assert EVERY_REQUEST < drawn <= PAGE, drawn
        assert self.queries(page) == KEPT
        self.more_history(40)
        assert self.queries(page) == drawn
        block = f"/generations/{run.pk}/progress/"
        assert self.queries(block) <= FRAGMENT + 1
        assert self.queries(block) == KEPT
