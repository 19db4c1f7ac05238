"""A worker that stops beating holds nothing: its polls and copies are taken over at once,
its submissions settled as if their lease ran out (never sent again). A live worker's
leases, and a web process's, are left alone however long they last.

The real processes (one SIGKILLed) are in tests/ops/test_worker_process.py; here the
worker's steps are driven by hand so each rule is checked on its own."""

from datetime import timedelta
from unittest import mock

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from generator.models import Run, WorkerHeartbeat
from generator.money.ledger import points_held
from generator.runs import tracking, workers
from tests.base import TrackingTestCase


def beat(name: str, *, ago: timedelta = timedelta(0)) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker=name, defaults={"seen_at": timezone.now() - ago}
    )


def hold(run: Run, by: str, **changes) -> None:
    """A worker (or, by "", a web process) holds the run's lease for another 90 s."""
    until = timezone.now() + timedelta(seconds=90)
    Run.objects.filter(pk=run.pk).update(claimed_until=until, claimed_by=by, **changes)


def queued_polls() -> list[str]:
    return [r.args_kwargs["args"][0] for r in DBTaskResult.objects.filter(status="READY")]


class TakeoverTests(TrackingTestCase):
    def setUp(self):
        super().setUp()
        self.dead = workers.stale_after() + timedelta(seconds=1)

    def test_a_dead_workers_poll_is_freed_and_queued_once(self):
        dead_one, live_one, web_one = self.start(), self.start(), self.start()
        beat("w-dead", ago=self.dead)
        beat("w-live", ago=workers.stale_after() / 2)  # a late beat is no death
        hold(dead_one, "w-dead")
        hold(live_one, "w-live")
        hold(web_one, "")  # a web process or a shell: trusted until its lease ends
        DBTaskResult.objects.all().delete()

        assert tracking.runs_take_over() == 1
        assert tracking.runs_take_over() == 0  # freed once, by one worker
        assert queued_polls() == [str(dead_one.pk)]
        for run in (dead_one, live_one, web_one):
            run.refresh_from_db()
        assert dead_one.claimed_until is None
        assert live_one.claimed_by == "w-live" and live_one.claimed_until is not None
        assert web_one.claimed_until is not None

        # The queued job polls it now; the others' polls are still their holders'.
        before = self.sandbox.calls("task")
        tracking.run_poll(run_id=dead_one.pk)
        for run in (live_one, web_one):
            self.make_due(run)
            assert tracking.run_poll(run_id=run.pk) is None
        assert self.sandbox.calls("task") == before + 1

    def test_a_worker_never_seen_is_dead(self):
        run = self.start()
        hold(run, "w-gone")  # its row was forgotten, or it stopped cleanly
        assert tracking.runs_take_over() == 1

    def test_a_dead_workers_copy_is_taken_over_and_finishes(self):
        run = self.start()
        self.finish_upstream(run)
        beat("w-dead", ago=self.dead)
        hold(run, "w-dead", state=Run.State.COPYING)
        self.poll(run)  # its lease still runs for 90 s: nothing to do yet
        assert run.state == Run.State.COPYING
        assert tracking.runs_take_over() == 1
        self.poll(run)
        assert run.state == Run.State.COMPLETED
        assert all(result.copied for result in run.results.all())

    def test_a_dead_workers_sent_submission_is_unknown_and_never_sent_again(self):
        run = self.start()
        beat("w-dead", ago=self.dead)
        hold(run, "w-dead", state=Run.State.SUBMITTING)  # it had sent (sent_at is set)
        generated = self.sandbox.calls("generate")
        assert tracking.runs_take_over() == 0  # nothing to poll: it is settled
        run.refresh_from_db()
        assert run.state == Run.State.UNKNOWN
        assert run.problem == Run.Problem.INTERRUPTED
        self.poll(run)
        assert self.sandbox.calls("generate") == generated

    def test_a_dead_workers_unsent_submission_is_released(self):
        run = self.start()
        beat("w-dead", ago=self.dead)
        hold(run, "w-dead", state=Run.State.SUBMITTING, sent_at=None)
        assert points_held(run_ids=[run.pk]) == run.points_quoted
        tracking.runs_take_over()
        assert not Run.objects.filter(pk=run.pk).exists()  # nothing was sent: released
        assert points_held(run_ids=[run.pk]) == 0

    def test_a_live_workers_submission_is_left_alone(self):
        run = self.start()
        beat("w-live")
        hold(run, "w-live", state=Run.State.SUBMITTING, sent_at=None)
        tracking.runs_take_over()
        run.refresh_from_db()
        assert run.state == Run.State.SUBMITTING and run.claimed_by == "w-live"

    def test_a_worker_whose_clock_runs_behind_is_not_taken_for_dead(self):
        run = self.start()
        behind = timezone.now() - timedelta(minutes=2)
        with mock.patch("django.utils.timezone.now", return_value=behind):
            workers.worker_beat(name="w-slow-clock")  # judged by the database's clock
        hold(run, "w-slow-clock")
        assert tracking.runs_take_over() == 0
        run.refresh_from_db()
        assert run.claimed_by == "w-slow-clock"

    def test_a_clean_stop_frees_what_the_worker_held(self):
        run = self.start()
        workers.worker_beat(name="w-stopping")
        hold(run, "w-stopping")
        assert tracking.runs_take_over() == 0
        workers.worker_stop(name="w-stopping")
        assert tracking.runs_take_over() == 1


class AfterAnOutageTests(TrackingTestCase):
    """A worker that lived through a database outage (ops runworker `recover_once`):
    what its broken-off job held is given up at once, though it is alive and beating."""

    def test_its_own_polls_are_freed_and_queued_and_others_left_alone(self):
        mine, theirs = self.start(), self.start()
        beat("w-here")
        beat("w-live")
        hold(mine, "w-here")
        hold(theirs, "w-live")
        DBTaskResult.objects.all().delete()  # the poll job broke off with the outage
        assert tracking.runs_release_held(worker="w-here") == 1
        assert queued_polls() == [str(mine.pk)]
        mine.refresh_from_db()
        theirs.refresh_from_db()
        assert mine.claimed_until is None and mine.claimed_by == ""
        assert theirs.claimed_by == "w-live" and theirs.claimed_until is not None
        assert tracking.runs_release_held(worker="") == 0  # a web process holds nothing here

    def test_its_submissions_are_settled_never_sent_again(self):
        sent, unsent = self.start(), self.start()
        beat("w-here")
        hold(sent, "w-here", state=Run.State.SUBMITTING, task_id="")
        hold(unsent, "w-here", state=Run.State.SUBMITTING, task_id="", sent_at=None)
        calls = self.sandbox.calls("generate")
        tracking.runs_release_held(worker="w-here")
        sent.refresh_from_db()
        assert sent.state == Run.State.UNKNOWN  # it may have reached A1: the person decides
        assert not Run.objects.filter(pk=unsent.pk).exists()  # never sent: released
        assert points_held(run_ids=[unsent.pk]) == 0
        assert self.sandbox.calls("generate") == calls

    def test_runs_whose_poll_chain_broke_are_resumed_without_the_grace(self):
        run = self.start()
        DBTaskResult.objects.all().delete()
        Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now() - timedelta(seconds=2))
        assert tracking.resume_due() == 0  # the sweep waits WORKER_RESUME_GRACE (30 s)...
        assert tracking.resume_due(grace=timedelta(0)) == 1  # ...not after an outage
        assert queued_polls() == [str(run.pk)]


class WhatAWorkerNamesTests(TrackingTestCase):
    """A run names a worker only while that worker holds its lease. Once a submission, a
    poll or a copy has ended, the run names nobody: a worker that dies then names only
    what it was doing (taken over within two poll intervals), not every run it submitted
    or polled, which wait for their next poll like any other (the chaos suite's takeover
    time counted those: 6.3 s, and 18.9 s while S3 answered 503)."""

    def setUp(self):
        super().setUp()
        workers.worker_register(name="w-gone")  # this process submits and polls as a worker
        self.addCleanup(workers.worker_register, name="")

    def names_it(self) -> list[str]:
        unfinished = Run.objects.exclude(state__in=[Run.State.COMPLETED, Run.State.FAILED])
        return [
            str(pk) for pk in unfinished.filter(claimed_by="w-gone").values_list("pk", flat=True)
        ]

    def test_it_names_no_worker_on_runs_it_submitted_polled_or_finished(self):
        self.sandbox.knobs(task_seconds=3600)  # A1 works on them until told otherwise
        submitted, polled, finished = self.start(), self.start(), self.start()
        assert submitted.state == Run.State.RUNNING and submitted.claimed_until is None
        self.poll(polled)  # A1 is not done: polled, its next poll scheduled
        assert polled.state == Run.State.RUNNING and polled.claimed_until is None
        self.finish_upstream(finished)
        self.poll(finished)
        assert finished.state == Run.State.COMPLETED
        beat("w-gone", ago=workers.stale_after() + timedelta(seconds=1))  # then it dies
        assert self.names_it() == []
        assert Run.objects.filter(claimed_by="w-gone").count() == 0

    def test_a_dead_workers_sent_submission_settled_as_unknown_names_nobody(self):
        run = self.start()
        beat("w-gone", ago=workers.stale_after() + timedelta(seconds=1))
        hold(run, "w-gone", state=Run.State.SUBMITTING)  # it had sent (sent_at is set)
        assert self.names_it() == [str(run.pk)]  # what it was doing when it died
        tracking.runs_take_over()
        run.refresh_from_db()
        assert run.state == Run.State.UNKNOWN
        assert self.names_it() == []
