"""GET /api/v1/history and /gallery: the filters of /history/, pages, and who sees what."""

from __future__ import annotations

from generator.models import Run
from tests.live import ApiTestCase, assert_error_shape


class HistoryTests(ApiTestCase):
    def setUp(self):
        super().setUp()
        self.shared = self.start_run(visibility="team", texts={"1838546335507165192": "red"})
        self.private = self.start_run(texts={"1838546335507165192": "blue"})

    def test_it_lists_the_callers_runs_newest_first(self):
        page = self.api("GET", "/history").json()
        assert page["count"] == 2 and page["pages"] == 1
        assert [r["id"] for r in page["results"]] == [
            self.private.json()["id"],
            self.shared.json()["id"],
        ]

    def test_it_filters_as_the_history_page_does(self):
        self.finish(self.shared.json()["id"])
        Run.objects.filter(pk=self.private.json()["id"]).update(favourite=True)
        assert self.api("GET", "/history?q=blue").json()["count"] == 1
        assert self.api("GET", "/history?state=completed").json()["count"] == 1
        assert self.api("GET", "/history?favourites=true").json()["count"] == 1
        assert self.api("GET", "/history?app=1").json()["count"] == 0
        assert self.api("GET", "/history?date_from=2000-01-01").json()["count"] == 2

    def test_it_pages(self):
        first = self.api("GET", "/history?page_size=1").json()
        second = self.api("GET", "/history?page_size=1&page=2").json()
        assert first["pages"] == 2 and first["results"][0]["id"] != second["results"][0]["id"]
        assert_error_shape(self.api("GET", "/history?page_size=1&page=3"), 404, "not_found")

    def test_it_refuses_a_filter_it_cannot_read(self):
        body = assert_error_shape(self.api("GET", "/history?state=nope"), 422, "invalid")
        assert "state" in body["fields"]

    def test_it_shows_a_teammate_what_was_shared_only(self):
        teammate = self.key_for(self.teammate)
        assert self.api("GET", "/history", token=teammate).json()["count"] == 0
        gallery = self.api("GET", "/gallery", token=teammate).json()
        assert [r["id"] for r in gallery["results"]] == [self.shared.json()["id"]]

    def test_it_shows_an_outsider_nothing(self):
        outsider = self.key_for(self.outsider)
        assert self.api("GET", "/gallery", token=outsider).json()["count"] == 0
        response = self.api("GET", f"/gallery?team={self.team.pk}", token=outsider)
        assert_error_shape(response, 404, "not_found")
