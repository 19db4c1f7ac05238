"""Retention: photos and results past their time, the trash, and a job killed halfway."""

from collections import Counter
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from generator.models import FileRemoval, InputImage, ResultImage, Run
from generator.money import budgets
from generator.schedules.models import Chore
from lifecycle import retention
from lifecycle.models import RemovalLog
from ops import chores
from tests.base import WATERCOLOR, TrackingTestCase
from tests.lifecycle.dying_storage import Killed, dying_after

pytestmark = pytest.mark.storage
DAY = timedelta(days=1)


def removed(log: RemovalLog) -> dict:
    """What a run removed of people's work (a clock moved weeks on also expires sessions)."""
    return {kind: n for kind, n in log.counts.items() if kind != "expired sessions"}


class PhotoRetentionTests(TrackingTestCase):
    @override_settings(RETAIN_INPUT_DAYS=30)
    def test_photos_past_retention_are_removed_and_the_run_page_says_so(self):
        run = self.finished()
        photo = run.inputs.get()
        ends = run.finished_at + 30 * DAY
        assert removed(retention.retention_sweep(now=ends - timedelta(minutes=1))) == {}
        assert self.stored(photo.file.name)
        log = retention.retention_sweep(now=ends + timedelta(minutes=1))
        assert removed(log) == {"photos": 1, "files": 1} and log.finished_at is not None
        assert not self.stored(photo.file.name)
        assert not InputImage.objects.exists()
        self.login()  # a month on, the session the test started with has expired and gone
        page = self.client.get(run.get_absolute_url()).content.decode()
        assert "/media/inputs/" not in page
        assert "The photos given for this run were removed on" in page
        assert page.count("/media/results/") >= 2  # results have their own rule (off)
        remix = self.client.get(f"/apps/{WATERCOLOR}/?remix={run.id}").content.decode()
        assert "give them again to remix it" in remix
        assert removed(retention.retention_sweep(now=ends + 2 * DAY)) == {}  # safe to repeat

    @override_settings(RETAIN_INPUT_DAYS=7)
    def test_run_again_explains_that_the_photos_must_be_given_again(self):
        run = self.finished(state="failed")
        retention.retention_sweep(now=run.finished_at + 8 * DAY)
        page = self.client.get(run.get_absolute_url()).content.decode()
        assert "Its photos are no longer kept" in page
        assert f"/generations/{run.id}/rerun/" not in page
        key = "8f2a7c7e-5f7a-4d8e-9d55-0d7f7a0f7c11"
        response = self.client.post(f"/generations/{run.id}/rerun/", {"idempotency_key": key})
        assert response.status_code == 302
        message = self.client.get(response["Location"]).content.decode()
        assert "The photos of this run are no longer kept" in message
        assert Run.objects.count() == 1 and self.sandbox.calls("generate") == 1

    @override_settings(RETAIN_INPUT_DAYS=3)
    def test_a_photo_shared_by_a_rerun_stays_until_the_last_run_using_it_expires(self):
        first = self.finished(state="failed")
        html = self.client.get(first.get_absolute_url()).content.decode()
        key = html.split('name="idempotency_key" value="')[1][:36]
        self.client.post(f"/generations/{first.id}/rerun/", {"idempotency_key": key})
        second = Run.objects.exclude(pk=first.pk).get()
        name = first.inputs.get().file.name
        assert second.inputs.get().file.name == name
        self.finish_upstream(second, "failed")
        self.poll(second)
        Run.objects.filter(pk=second.pk).update(finished_at=first.finished_at + 2 * DAY)
        retention.retention_sweep(now=first.finished_at + 4 * DAY)
        assert self.stored(name) and second.inputs.exists()  # the rerun still uses it
        retention.retention_sweep(now=first.finished_at + 6 * DAY)
        assert not self.stored(name)


class ResultRetentionTests(TrackingTestCase):
    @override_settings(RETAIN_RESULT_DAYS=10)
    def test_results_past_retention_are_removed_unless_the_run_is_a_favourite(self):
        plain, kept = self.finished(), self.finished()
        self.client.post(f"/generations/{kept.id}/favourite/", {"favourite": "1"})
        plain_files = [n for r in plain.results.all() for n in (r.file.name, r.thumbnail.name)]
        log = retention.retention_sweep(now=timezone.now() + 11 * DAY)
        assert removed(log) == {"results": 2, "files": 4}
        assert not any(self.stored(name) for name in plain_files)
        assert all(self.stored(name) for name in self.files_of(kept))
        assert plain.inputs.exists()  # photos have their own rule (off)
        page = self.client.get(plain.get_absolute_url()).content.decode()
        assert "The images of this run were removed on" in page
        assert "/media/results/" not in page and "Download all" not in page
        history = self.client.get("/history/").content.decode()
        assert f"/media/inputs/{plain.inputs.get().id}" in history  # the card falls back

    def test_nothing_is_removed_while_retention_is_off(self):
        run = self.finished()
        log = retention.retention_sweep(now=timezone.now() + 3650 * DAY)
        assert removed(log) == {}
        assert all(self.stored(name) for name in self.files_of(run))


class TrashTests(TrackingTestCase):
    @override_settings(TRASH_DAYS=30)
    def test_the_trash_is_purged_after_its_period_with_files_and_the_points_still_count(self):
        run, other = self.finished(), self.finished(user=self.teammate)
        self.login(self.owner)
        before = [(a.label, a.used) for a in budgets.allowances(user=self.owner)]
        assert before == [("You", 2), ("Studio", 4)]
        self.client.post(f"/generations/{run.id}/delete/")
        files = self.files_of(run)
        deleted_at = Run.objects.get(pk=run.pk).deleted_at
        assert removed(retention.retention_sweep(now=deleted_at + 29 * DAY)) == {}
        log = retention.retention_sweep(now=deleted_at + 30 * DAY + timedelta(minutes=1))
        assert removed(log) == {"runs": 1, "photos": 1, "results": 2, "files": 5}
        assert not Run.objects.filter(pk=run.pk).exists()
        assert not any(self.stored(name) for name in files)
        assert all(self.stored(name) for name in self.files_of(other))
        assert [(a.label, a.used) for a in budgets.allowances(user=self.owner)] == before

    @override_settings(TRASH_DAYS=30)
    def test_a_run_restored_from_the_trash_is_not_purged(self):
        run = self.finished()
        self.client.post(f"/generations/{run.id}/delete/")
        Run.objects.filter(pk=run.pk).update(deleted_at=None)  # staff restore it
        assert removed(retention.retention_sweep(now=timezone.now() + 60 * DAY)) == {}
        assert all(self.stored(name) for name in self.files_of(run))


class AdminDeleteTests(TrackingTestCase):
    def test_staff_deleting_a_run_in_the_admin_removes_its_files_and_keeps_its_points(self):
        run = self.finished()
        files = self.files_of(run)
        before = [a.used for a in budgets.allowances(user=self.owner)]
        self.login(self.staff)
        response = self.client.post(f"/admin/generator/run/{run.id}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not Run.objects.filter(pk=run.pk).exists()
        assert not any(self.stored(name) for name in files)
        assert [a.used for a in budgets.allowances(user=self.owner)] == before


class KilledHalfwayTests(TrackingTestCase):
    @override_settings(RETAIN_INPUT_DAYS=1, RETAIN_RESULT_DAYS=1)
    def test_a_purge_killed_halfway_and_run_again_removes_each_thing_once(self):
        runs = [self.finished() for _ in range(3)]
        files = [name for run in runs for name in self.files_of(run)]
        assert len(files) == 3 + 3 * 2 * 2
        later = timezone.now() + 2 * DAY
        with override_settings(STORAGES=dying_after(deletes=4)), pytest.raises(Killed):
            retention.retention_sweep(now=later, batch=2)
        stopped = RemovalLog.objects.get()
        assert stopped.finished_at is None and FileRemoval.objects.exists()
        assert sum(self.stored(name) for name in files) == len(files) - 4
        retention.retention_sweep(now=later, batch=2)
        assert not any(self.stored(name) for name in files)
        assert not FileRemoval.objects.exists()
        assert not InputImage.objects.exists() and not ResultImage.objects.exists()
        total = sum((Counter(log.counts) for log in RemovalLog.objects.all()), Counter())
        assert total == {"photos": 3, "results": 6, "files": len(files)}
        assert retention.retention_sweep(now=later).counts == {}


class DailyJobTests(TrackingTestCase):
    def test_the_retention_job_is_queued_once_a_day_and_staff_see_its_record(self):
        now = timezone.now()
        assert "retention" in chores.chores_enqueue_due(now=now)
        assert "retention" not in chores.chores_enqueue_due(now=now + 23 * timedelta(hours=1))
        assert "retention" in chores.chores_enqueue_due(now=now + DAY)
        assert Chore.objects.get(name="retention").last_run == now + DAY
        assert retention.apply_retention.call() == {}
        self.login(self.staff)
        page = self.client.get("/staff/data/").content.decode()
        assert "RETAIN_INPUT_DAYS" in page and "TRASH_DAYS" in page
        assert "Daily retention" in page and "nothing" in page
        self.login(self.owner)
        assert self.client.get("/staff/data/").status_code == 302  # to the admin's log-in
