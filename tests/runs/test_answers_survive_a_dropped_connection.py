"""A1's answer to a call that spends is written even when the database drops the
connection as it comes (a restart, a failover): never a task A1 made and bills that no
run names, never a call sent again."""

import contextlib
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.models.query import QuerySet

from a1.client import A1Client
from generator.runs import submission
from generator.runs.durations import FIRST_POLL_AFTER
from tests.base import TransactionalTrackingTestCase


class AnswerWriteTests(TransactionalTrackingTestCase):
    def test_it_writes_a1s_answer_again_on_a_fresh_connection_when_the_first_write_fails(self):
        real_update = QuerySet.update
        failed = []

        def update(queryset, **changes):
            if "task_id" in changes and not failed:
                failed.append(changes["task_id"])
                raise OperationalError("server closed the connection unexpectedly")
            return real_update(queryset, **changes)

        with mock.patch.object(QuerySet, "update", update):
            run = self.start()
        assert failed, "the answer's write never failed: the test proves nothing"
        assert run.state == "running" and run.task_id == failed[0]
        assert self.sandbox.calls("generate") == 1
        self.finish_upstream(run)
        self.poll(run)
        assert run.state == "completed" and run.points_spent == run.points_quoted  # once

    def test_a_database_gone_as_the_answer_comes_still_gets_the_task_polled(self):
        # No samples in the cache: the app's usual duration is read from past runs.
        real_generate, real_fetch = A1Client.generate, QuerySet._fetch_all
        answered, failed = [], []

        def generate(client, request):
            task_id = real_generate(client, request)
            answered.append(task_id)
            return task_id

        def fetch(queryset):
            if answered and "upstream_response" in (queryset._fields or ()):
                failed.append(True)  # the past runs' answers, read once A1 has answered
                raise OperationalError("server closed the connection unexpectedly")
            return real_fetch(queryset)

        with (
            mock.patch.object(A1Client, "generate", generate),
            mock.patch.object(QuerySet, "_fetch_all", fetch),
        ):
            run = self.start()
        assert answered and run.state == "running" and run.task_id == answered[0]
        self.finish_upstream(run)
        self.poll(run)
        assert run.state == "completed" and self.sandbox.calls("generate") == 1

    def test_an_unreadable_usual_duration_polls_after_the_documented_minimum(self):
        def away(**kwargs):
            raise OperationalError("the database system is starting up")

        with mock.patch.object(submission, "first_poll_after", away):
            run = self.start()
        assert run.state == "running" and run.task_id
        assert run.next_poll_at - run.submitted_at >= FIRST_POLL_AFTER

    def test_it_gives_up_after_its_time_and_the_run_is_never_sent_again(self):
        def update(queryset, **changes):
            raise OperationalError("the database system is shutting down")

        with (
            mock.patch.object(submission, "OUTCOME_WRITE_SECONDS", 0.0),
            mock.patch.object(QuerySet, "update", update),
            pytest.raises(OperationalError),
            self.assertLogs("generator.runs.submission", "ERROR") as logs,
        ):
            submission.outcome_write(lambda: QuerySet.update(None), what="run 1: A1's task 7")
        assert "A1's task 7 was not written" in logs.output[0]  # the operator can match it


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no server to drop us")
class DroppedByTheServerTests(TransactionalTrackingTestCase):
    def test_a_connection_the_server_ends_as_the_answer_comes_is_opened_again(self):
        real_generate = A1Client.generate
        dropped = []

        def generate(client, request):
            task_id = real_generate(client, request)
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            dropped.append(task_id)
            return task_id

        with mock.patch.object(A1Client, "generate", generate):
            run = self.start()
        assert dropped and run.state == "running" and run.task_id == dropped[0]
        assert self.sandbox.calls("generate") == 1
