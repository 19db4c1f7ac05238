"""Paid work after the first answer answers to the threshold too: retrying a batch's
failed items asks a manager again when the retry is quoted over it (the same request,
hold and answer as a new batch), and an enhancement over it does not start."""

from __future__ import annotations

import re

import pytest

from generator.audit.models import AuditEntry
from generator.batches import checking as batch_checking
from generator.models import Approval, ApprovalPolicy, Batch, Run, Team
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
