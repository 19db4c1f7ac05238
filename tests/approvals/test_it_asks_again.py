"""Paid work after the first answer answers to the threshold too: retrying a batch's
failed items asks a manager again when the retry is quoted over it (the same request,
hold and answer as a new batch), and an enhancement over it does not start."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from generator.approvals.decisions import approvals_expire
from generator.audit.models import AuditEntry
from generator.batches import checking as batch_checking
from generator.models import Approval, ApprovalPolicy, Batch, LedgerEntry, Run, Team
from generator.money.ledger import points_used
from tests.base import photo
from tests.batches.base import BatchTestCase


class RetryTests(BatchTestCase):
    def setUp(self):
        super().setUp()
        Team.objects.filter(pk=self.team.pk).update(approval_threshold=2)

    def approved_batch_with_failures(self, *, n: int, failing: int) -> Batch:
        """A teammate's batch of n photos (1 point each, over the threshold), approved by
        the team's manager, sent, and `failing` of its runs failed at A1."""
        self.client.force_login(self.teammate)
        files = [photo(f"teammate-{i:02d}.jpg") for i in range(n)]
        assert self.batch_post(files).status_code == 302
        batch = Batch.objects.get(user=self.teammate, state="draft")
        while batch_checking.batch_check_step(batch_id=batch.pk):
            pass
        self.client.post(f"{batch.get_absolute_url()}start/")
        first = Approval.objects.get(batch=batch)
        self.client.force_login(self.owner)
        self.client.post(f"/approvals/{first.pk}/answer/", {"answer": "approve"})
        self.tick(times=n)
        assert self.sandbox.calls("generate") == n
        for run in batch.runs.order_by("created")[:failing]:
            self.finish_upstream(run, "failed")
            self.poll(run)
            assert run.state == "failed"
        self.client.force_login(self.teammate)
        return batch

    def test_it_asks_again_when_the_retry_of_an_approved_batch_is_over_the_threshold(self):
        batch = self.approved_batch_with_failures(n=3, failing=3)
        used_before = points_used(team=self.team)
        response = self.client.post(f"{batch.get_absolute_url()}retry/", follow=True)
        page = response.content.decode()
        assert "3 items will be tried again once a manager approves them." in page
        assert "over the approval threshold of 2" in page
        batch.refresh_from_db()
        assert batch.state == "awaiting_approval"
        again = Approval.objects.filter(batch=batch).first()  # the newest
        assert (again.state, again.points, again.threshold) == ("pending", 3, 2)
        assert Approval.objects.filter(batch=batch).count() == 2
        assert points_used(team=self.team) == used_before + 3  # the retry is held
        self.tick(times=3)
        assert self.sandbox.calls("generate") == 3  # nothing sent while it waits
        # The manager sees what the retry costs and which items it holds.
        self.client.force_login(self.owner)
        detail = self.client.get(f"/approvals/{again.pk}/").content.decode()
        assert "<strong>3</strong> points" in detail and "Approve and start (3 points)" in detail
        self.client.post(f"/approvals/{again.pk}/answer/", {"answer": "approve"})
        self.tick(times=3)
        assert self.sandbox.calls("generate") == 6
        retried = batch.items.filter(retry_of__isnull=False)
        assert sorted(retried.values_list("state", flat=True)) == ["sent"] * 3
        assert AuditEntry.objects.filter(act="approval.requested").count() == 2
        assert AuditEntry.objects.filter(act="approval.given").count() == 2

    def test_a_refused_retry_releases_its_hold_and_sends_nothing(self):
        batch = self.approved_batch_with_failures(n=3, failing=3)
        used_before = points_used(team=self.team)
        self.client.post(f"{batch.get_absolute_url()}retry/")
        again = Approval.objects.filter(batch=batch).first()
        self.client.force_login(self.owner)
        self.client.post(
            f"/approvals/{again.pk}/answer/", {"answer": "refuse", "reason": "Not again"}
        )
        assert points_used(team=self.team) == used_before
        assert set(batch.items.filter(retry_of__isnull=False).values_list("state", flat=True)) == {
            "cancelled"
        }
        self.tick(times=3)
        assert self.sandbox.calls("generate") == 3

    def retried_and_approved(self) -> tuple[Batch, Approval]:
        """A finished batch whose 3 failed items were retried, the retry approved and its
        items still waiting for the pacer (the batch running)."""
        batch = self.approved_batch_with_failures(n=3, failing=3)
        self.client.post(f"{batch.get_absolute_url()}retry/")
        again = Approval.objects.filter(batch=batch)[0]  # the newest
        self.client.force_login(self.owner)
        self.client.post(f"/approvals/{again.pk}/answer/", {"answer": "approve"})
        batch.refresh_from_db()
        assert batch.state == "running"
        return batch, again

    def stale_request(self, batch: Batch, *, created=None) -> Approval:
        """A second pending request beside the batch, as retries made before they were
        refused while a batch waited or ran could leave."""
        now = timezone.now()
        return Approval.objects.create(
            batch=batch,
            team=self.team,
            requested_by=self.teammate,
            points=3,
            threshold=2,
            created=created or now,
            expires_at=now + timedelta(hours=1),
        )

    def assert_each_hold_closed_once(self, batch: Batch):
        """Every retried item held once and released once (it became a run, whose own
        hold took over), and nothing of them left held."""
        for item in batch.items.filter(retry_of__isnull=False):
            kinds = sorted(LedgerEntry.objects.filter(item=item).values_list("kind", flat=True))
            assert kinds == ["hold", "release"], (item.index, kinds)

    def test_a_retry_while_the_batch_awaits_approval_is_refused_and_holds_nothing(self):
        batch = self.approved_batch_with_failures(n=3, failing=3)
        self.client.post(f"{batch.get_absolute_url()}retry/")
        used = points_used(team=self.team)
        entries = LedgerEntry.objects.count()
        page = self.client.post(
            f"{batch.get_absolute_url()}retry/", follow=True, HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert "This batch awaits a manager&#x27;s approval." in page
        ja = self.client.post(
            f"{batch.get_absolute_url()}retry/", follow=True, HTTP_ACCEPT_LANGUAGE="ja"
        ).content.decode()
        assert "このバッチはマネージャーの承認待ちです。" in ja
        assert Approval.objects.filter(batch=batch, state="pending").count() == 1
        assert batch.items.count() == 6
        assert (points_used(team=self.team), LedgerEntry.objects.count()) == (used, entries)

    def test_a_retry_that_needs_approval_waits_until_nothing_is_in_flight(self):
        batch = self.approved_batch_with_failures(n=4, failing=3)  # the 4th still runs
        used = points_used(team=self.team)
        page = self.client.post(f"{batch.get_absolute_url()}retry/", follow=True).content.decode()
        assert "Retry the failed items once the batch has finished." in page
        ja = self.client.post(
            f"{batch.get_absolute_url()}retry/", follow=True, HTTP_ACCEPT_LANGUAGE="ja"
        ).content.decode()
        assert "バッチが終わってから、失敗した項目を再試行してください。" in ja
        batch.refresh_from_db()
        assert batch.state == "running" and batch.items.count() == 4
        assert Approval.objects.filter(batch=batch).count() == 1
        assert points_used(team=self.team) == used
        last = batch.runs.order_by("-created").first()
        self.finish_upstream(last)
        self.poll(last)
        page = self.client.post(f"{batch.get_absolute_url()}retry/", follow=True).content.decode()
        assert "3 items will be tried again once a manager approves them." in page
        batch.refresh_from_db()
        assert batch.state == "awaiting_approval"

    def test_the_manager_reads_exactly_the_retried_items(self):
        batch = self.approved_batch_with_failures(n=4, failing=3)
        last = batch.runs.order_by("-created").first()
        self.finish_upstream(last)
        self.poll(last)
        self.client.post(f"{batch.get_absolute_url()}retry/")
        again = Approval.objects.filter(batch=batch).first()
        retried = {
            str(p)
            for p in batch.items.filter(retry_of__isnull=False).values_list("photos", flat=True)
        }
        assert len(retried) == 3
        self.client.force_login(self.owner)
        for answered in (False, True):
            html = self.client.get(f"/approvals/{again.pk}/").content.decode()
            shown = set(re.findall(rf"/approvals/{again.pk}/photos/([0-9a-f-]+)", html))
            assert shown == retried, answered
            assert "3 items × 1 points = <strong>3</strong> points" in html
            self.client.post(f"/approvals/{again.pk}/answer/", {"answer": "approve"})

    def test_refusing_a_stale_request_leaves_the_running_batch_and_its_items_alone(self):
        batch, _ = self.retried_and_approved()
        stale = self.stale_request(batch)
        used, entries = points_used(team=self.team), LedgerEntry.objects.count()
        with self.captureOnCommitCallbacks() as told:
            self.client.post(
                f"/approvals/{stale.pk}/answer/", {"answer": "refuse", "reason": "Old"}
            )
        assert told == []  # not "refused, its points released": the batch runs on
        stale.refresh_from_db()
        batch.refresh_from_db()
        assert (stale.state, batch.state) == ("superseded", "running")
        retried = batch.items.filter(retry_of__isnull=False)
        assert set(retried.values_list("state", flat=True)) == {"waiting"}
        assert (points_used(team=self.team), LedgerEntry.objects.count()) == (used, entries)
        self.tick(times=3)
        assert self.sandbox.calls("generate") == 6
        assert set(retried.values_list("state", flat=True)) == {"sent"}
        self.assert_each_hold_closed_once(batch)

    def test_approving_a_stale_request_ends_it_at_once_and_leaves_the_batch_alone(self):
        batch, _ = self.retried_and_approved()
        stale = self.stale_request(batch)
        used, entries = points_used(team=self.team), LedgerEntry.objects.count()
        waiting = self.client.get("/approvals/").content.decode()
        assert f"/approvals/{stale.pk}/" in waiting.split("Answered")[0]
        with self.captureOnCommitCallbacks(execute=True) as told:
            page = self.client.post(
                f"/approvals/{stale.pk}/answer/", {"answer": "approve"}, follow=True
            ).content.decode()
        assert "This batch no longer waits for approval." in page
        assert told == []  # nobody told: nothing they could see changed
        stale.refresh_from_db()
        batch.refresh_from_db()
        assert (stale.state, batch.state) == ("superseded", "running")
        assert stale.decided_by == self.owner and stale.decided_at is not None
        assert "Ended: the batch no longer waited for it" in page
        # Not waiting for anyone's answer any more: the list shows it answered, and
        # answering it again says so.
        listed = self.client.get("/approvals/").content.decode()
        waiting_part, answered_part = listed.split("Answered", 1)
        assert f"/approvals/{stale.pk}/" not in waiting_part
        assert f"/approvals/{stale.pk}/" in answered_part
        again = self.client.post(
            f"/approvals/{stale.pk}/answer/", {"answer": "approve"}, follow=True
        ).content.decode()
        assert "This request was already answered" in again
        entry = AuditEntry.objects.filter(act="approval.superseded").get()
        assert entry.actor_id == self.owner.pk
        assert (entry.before["state"], entry.after["state"]) == ("pending", "superseded")
        assert not AuditEntry.objects.filter(act="approval.given", after__state="superseded")
        retried = batch.items.filter(retry_of__isnull=False)
        assert set(retried.values_list("state", flat=True)) == {"waiting"}
        assert (points_used(team=self.team), LedgerEntry.objects.count()) == (used, entries)
        self.tick(times=3)
        assert self.sandbox.calls("generate") == 6
        self.assert_each_hold_closed_once(batch)

    def test_a_request_from_before_items_were_recorded_says_they_are_not_known(self):
        batch, _ = self.retried_and_approved()
        old = self.stale_request(batch)  # as made before 0034: no items recorded
        html = self.client.get(f"/approvals/{old.pk}/").content.decode()
        assert "items it held is not known" in html
        assert "3 items × 1 points = <strong>3</strong> points" in html
        assert f"/approvals/{old.pk}/photos/" not in html  # no guessed items listed
        ja = self.client.get(f"/approvals/{old.pk}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        assert "不明" in ja

    def test_a_stale_request_expiring_leaves_the_running_batch_and_its_items_alone(self):
        batch, _ = self.retried_and_approved()
        self.stale_request(batch)
        used, entries = points_used(team=self.team), LedgerEntry.objects.count()
        with self.captureOnCommitCallbacks() as told:
            assert approvals_expire(now=timezone.now() + timedelta(hours=2)) == 1
        assert told == []
        batch.refresh_from_db()
        assert batch.state == "running"
        assert Approval.objects.filter(batch=batch).values_list("state", flat=True)[0] == "expired"
        retried = batch.items.filter(retry_of__isnull=False)
        assert set(retried.values_list("state", flat=True)) == {"waiting"}
        assert (points_used(team=self.team), LedgerEntry.objects.count()) == (used, entries)
        self.tick(times=3)
        assert set(retried.values_list("state", flat=True)) == {"sent"}
        self.assert_each_hold_closed_once(batch)

    def test_of_two_pending_requests_only_the_newest_moves_the_batch(self):
        batch = self.approved_batch_with_failures(n=3, failing=3)
        self.client.post(f"{batch.get_absolute_url()}retry/")
        newest = Approval.objects.filter(batch=batch).first()
        stale = self.stale_request(batch, created=newest.created - timedelta(minutes=1))
        self.client.force_login(self.owner)
        self.client.post(f"/approvals/{stale.pk}/answer/", {"answer": "refuse", "reason": "Old"})
        batch.refresh_from_db()
        assert batch.state == "awaiting_approval"
        retried = batch.items.filter(retry_of__isnull=False)
        assert set(retried.values_list("state", flat=True)) == {"waiting"}
        self.client.post(f"/approvals/{newest.pk}/answer/", {"answer": "approve"})
        self.tick(times=3)
        assert self.sandbox.calls("generate") == 6
        self.assert_each_hold_closed_once(batch)

    def test_a_retry_under_the_threshold_starts_at_once(self):
        batch = self.approved_batch_with_failures(n=3, failing=1)
        response = self.client.post(f"{batch.get_absolute_url()}retry/", follow=True)
        assert "1 item will be tried again." in response.content.decode()
        batch.refresh_from_db()
        assert batch.state == "running"
        assert Approval.objects.filter(batch=batch).count() == 1  # only the first request
        self.tick()
        assert self.sandbox.calls("generate") == 4


def action_key(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', html)
    assert match, "the page has no action key"
    return match.group(1)


class EnhanceTests(BatchTestCase):
    def enhance(self, run: Run):
        html = self.client.get(f"/generations/{run.id}/").content.decode()
        data = {
            "result": str(run.results.order_by("index")[0].id),
            "idempotency_key": action_key(html),
        }
        return self.client.post("/enhance/", data, follow=True)

    @pytest.mark.storage
    def test_an_enhancement_over_the_threshold_does_not_start_and_says_why(self):
        run = self.finished()
        ApprovalPolicy.objects.create(threshold=2)  # staff's, for everyone
        used_before = points_used(user=self.owner)
        page = self.enhance(run).content.decode()
        assert "Enhancing costs 3 points, over the approval threshold of 2" in page
        assert "raise the threshold to 3 or more" in page
        assert not Run.objects.filter(kind=Run.Kind.ENHANCE).exists()
        assert self.sandbox.calls("optimize") == 0 and self.sandbox.calls("upload") == 1
        assert points_used(user=self.owner) == used_before  # nothing held

    @pytest.mark.storage
    def test_an_enhancement_within_the_threshold_starts(self):
        run = self.finished()
        Team.objects.filter(pk=self.team.pk).update(approval_threshold=3)  # not over it
        self.enhance(run)
        assert Run.objects.filter(kind=Run.Kind.ENHANCE).count() == 1
        assert self.sandbox.calls("optimize") == 1
