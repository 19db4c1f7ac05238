"""The first task query waits for the app's usual duration (A1's own dates of its last
tasks), never less than the 5 s A1's document asks for; later queries keep the poll
interval. A 7.5 s task is then seen at once, with one query instead of several."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from a1 import Task
from generator.models import Run
from generator.runs import durations
from tests.base import WATERCOLOR, TrackingTestCase


def a1_task(seconds: float) -> Task:
    created = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    return Task.from_json(
        {
            "id": "1",
            "state": 10,
            "createDate": created.isoformat(),
            "finishDate": (created + timedelta(seconds=seconds)).isoformat(),
        }
    )


class FirstPollTests(TrackingTestCase):
    def first_query_after(self, run: Run) -> float:
        assert run.next_poll_at is not None and run.submitted_at is not None
        return (run.next_poll_at - run.submitted_at).total_seconds()

    def learn(self, *seconds: float) -> None:
        for value in seconds:
            durations.task_seconds_note(
                kind=Run.Kind.GENERATE,
                app_id=WATERCOLOR,
                task=a1_task(value),
                submitted_at=None,
                seen_at=datetime.now(UTC),
                polls=1,
            )

    def test_an_app_never_seen_is_first_asked_about_after_5_s(self):
        run = self.start()
        assert 5.0 <= self.first_query_after(run) < 5.5

    def test_the_first_query_waits_for_the_apps_usual_duration(self):
        self.learn(7.0, 7.5, 40.0)  # the median, not one slow task
        run = self.start()
        assert 7.6 <= self.first_query_after(run) < 8.1

    def test_a_quick_app_is_still_not_asked_before_5_s(self):
        self.learn(1.0, 2.0, 2.5)
        run = self.start()
        assert 5.0 <= self.first_query_after(run) < 5.5

    def test_later_queries_keep_the_poll_interval(self):
        self.learn(7.5)
        run = self.start()
        next_at = self.poll(run)  # asked once the app's tasks usually end: still working
        assert run.state == "running" and next_at is not None
        after = (next_at - timezone.now()).total_seconds()
        assert 0 < after <= settings.A1_POLL_INTERVAL

    def test_a_completed_task_teaches_the_app_its_duration_even_after_the_cache_is_lost(self):
        run = self.finished()
        # A1's dates on the stored answer: this app's tasks take 12 s.
        answer = dict(run.upstream_response)
        created = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
        answer["createDate"] = created.isoformat()
        answer["finishDate"] = (created + timedelta(seconds=12)).isoformat()
        Run.objects.filter(pk=run.pk).update(upstream_response=answer)
        cache.clear()  # a restart, or Redis emptied: read from the last runs
        later = self.start()
        assert 12.0 <= self.first_query_after(later) < 12.6
