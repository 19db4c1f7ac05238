"""Big spends wait for a manager: a threshold set on the team page (or by staff for
everyone), a batch over it held and waiting, the managers told, an answer (approve: it
runs; refuse: its points come back and its owner hears why), expiry, and every step in
the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from generator.approvals import decisions, requests
from generator.audit.models import AuditEntry
from generator.batches import checking as batch_checking
from generator.models import Approval, ApprovalPolicy, Batch, Membership, Run, Team
from generator.money.ledger import points_used
from tests.base import PASSWORD, photo
from tests.batches.base import BatchTestCase
from tests.mailbox import Mailbox, body_of


class ApprovalTests(BatchTestCase):
    mailbox: Mailbox

    @pytest.fixture(autouse=True)
    def _smtp(self, mailbox):
        self.mailbox = mailbox  # a real SMTP server the portal sends to

    def setUp(self):
        super().setUp()
        for person in (self.owner, self.teammate, self.staff):
            person.email = f"{person.username}@corp.test"
            person.save(update_fields=["email"])
        Team.objects.filter(pk=self.team.pk).update(approval_threshold=2)

    def started_by(self, user, n: int = 3, **fields) -> Batch:
        """A batch of n photos (1 point each) started by `user` from the page."""
        self.client.force_login(user)
        files = [photo(f"{user.get_username()}-{i:02d}.jpg") for i in range(n)]
        assert self.batch_post(files, **fields).status_code == 302
        batch = Batch.objects.get(user=user, state="draft")
        while batch_checking.batch_check_step(batch_id=batch.pk):
            pass
        response = self.client.post(f"{batch.get_absolute_url()}start/")
        assert response.status_code == 302
        batch.refresh_from_db()
        return batch

    def answer(self, approval: Approval, user, **data):
        self.client.force_login(user)
        return self.client.post(f"/approvals/{approval.pk}/answer/", data, follow=True)

    def test_it_sets_the_threshold_on_the_team_page_and_audits_it(self):
        Team.objects.filter(pk=self.team.pk).update(approval_threshold=None)
        self.login(self.owner)
        page = self.client.get("/team/").content.decode()
        assert "Approval threshold (points)" in page
        response = self.client.post(
            f"/team/{self.team.pk}/settings/", {"approval_threshold": "500"}, follow=True
        )
        assert "Team settings saved." in response.content.decode()
        assert Team.objects.get(pk=self.team.pk).approval_threshold == 500
        entry = AuditEntry.objects.get(act="team.changed")
        assert entry.before == {"approval_threshold": None}
        assert entry.after == {"approval_threshold": 500}
        # Nonsense is refused with a reason, and nothing changes.
        response = self.client.post(
            f"/team/{self.team.pk}/settings/", {"approval_threshold": "lots"}, follow=True
        )
        assert "must be a whole number of points" in response.content.decode()
        assert Team.objects.get(pk=self.team.pk).approval_threshold == 500
        # A member cannot set it: another team's settings are 404.
        self.login(self.teammate)
        assert (
            self.client.post(
                f"/team/{self.team.pk}/settings/", {"approval_threshold": "1"}
            ).status_code
            == 404
        )

    def test_a_batch_over_the_threshold_waits_with_its_quote_held_and_managers_are_told(self):
        batch = self.started_by(self.teammate, n=3, text_1838546335507165192="red\nblue\ngreen")
        assert batch.state == "awaiting_approval"
        assert points_used(team=self.team) == 3  # held: counts against the budgets
        approval = Approval.objects.get(batch=batch)
        assert (approval.points, approval.threshold, approval.state) == (3, 2, "pending")
        self.tick(times=3)
        assert Run.objects.count() == 0 and self.sandbox.calls("generate") == 0
        # The requester's page says it waits.
        page = self.client.get(batch.get_absolute_url()).content.decode()
        assert "Awaiting approval" in page and "over the approval threshold of 2" in page
        # The manager: an e-mail with a link, and a banner on every page.
        assert requests.approval_notify_deciders(approval_id=approval.pk) == 1
        message = self.mailbox.wait_for("owner@corp.test")
        assert f"/approvals/{approval.pk}/" in body_of(message)
        assert "teammate asks to start a batch" in body_of(message)
        self.login(self.owner)
        home = self.client.get("/history/").content.decode()
        assert "teammate asks for approval of a batch" in home
        assert f'href="/approvals/{approval.pk}/"' in home
        # The request page: quote, who asked, thumbnails, texts, style.
        detail = self.client.get(f"/approvals/{approval.pk}/").content.decode()
        assert "teammate" in detail and "<strong>3</strong> points" in detail
        assert "Vivid" in detail and "blue" in detail  # the style and each item's text
        photos = approval.batch.items.first().photos.all()
        thumb = f"/approvals/{approval.pk}/photos/{photos[0].pk}/"
        assert thumb in detail
        assert self.client.get(thumb).status_code == 200
        assert "Approve and start (3 points)" in detail

    def test_approving_starts_it_and_tells_the_requester(self):
        batch = self.started_by(self.teammate, n=3)
        approval = Approval.objects.get(batch=batch)
        response = self.answer(approval, self.owner, answer="approve")
        assert "Approved: the batch is running." in response.content.decode()
        batch.refresh_from_db()
        assert batch.state == "running" and batch.started_at is not None
        self.tick(times=3)
        assert self.sandbox.calls("generate") == 3
        requests.approval_notify_requester(approval_id=approval.pk)
        told = body_of(self.mailbox.wait_for("teammate@corp.test"))
        assert "was approved and is running" in told
        entry = AuditEntry.objects.get(act="approval.given")
        assert entry.actor_name == "owner" and entry.subject_name == "teammate"
        assert entry.before["state"] == "pending" and entry.after["state"] == "approved"
        assert entry.team_name == "Studio"

    def test_refusing_releases_the_hold_and_tells_the_requester_why(self):
        batch = self.started_by(self.teammate, n=3)
        approval = Approval.objects.get(batch=batch)
        # A refusal needs a reason.
        response = self.answer(approval, self.owner, answer="refuse", reason=" ")
        assert "Say why it is refused" in response.content.decode()
        assert Approval.objects.get(pk=approval.pk).state == "pending"
        self.answer(approval, self.owner, answer="refuse", reason="Too many for this month")
        batch.refresh_from_db()
        assert batch.state == "refused"
        assert points_used(team=self.team) == 0  # released
        self.tick(times=2)
        assert self.sandbox.calls("generate") == 0
        requests.approval_notify_requester(approval_id=approval.pk)
        told = body_of(self.mailbox.wait_for("teammate@corp.test"))
        assert "was refused: Too many for this month" in told
        self.login(self.teammate)
        page = self.client.get(batch.get_absolute_url()).content.decode()
        assert "Refused by a manager" in page and "Too many for this month" in page
        entry = AuditEntry.objects.get(act="approval.refused")
        assert entry.after == {"state": "refused", "points": 3, "reason": "Too many for this month"}
        assert entry.before["state"] == "pending"

    def test_an_unanswered_request_expires_and_releases_its_hold(self):
        batch = self.started_by(self.teammate, n=3)
        approval = Approval.objects.get(batch=batch)
        assert decisions.approvals_expire() == 0  # not yet
        later = timezone.now() + timedelta(hours=73)  # APPROVAL_HOURS is 72
        assert decisions.approvals_expire(now=later) == 1
        batch.refresh_from_db()
        approval.refresh_from_db()
        assert batch.state == "expired" and approval.state == "expired"
        assert points_used(team=self.team) == 0
        requests.approval_notify_requester(approval_id=approval.pk)
        assert "it expired and its points were released" in body_of(
            self.mailbox.wait_for("teammate@corp.test")
        )
        entry = AuditEntry.objects.get(act="approval.expired")
        assert entry.actor_name == "" and entry.via == "system"
        # Too late to answer now.
        response = self.answer(approval, self.owner, answer="approve")
        assert "already answered" in response.content.decode()
        assert Batch.objects.get(pk=batch.pk).state == "expired"

    def test_nobody_approves_their_own_request_unless_staff(self):
        batch = self.started_by(self.owner, n=3)  # the manager's own batch
        approval = Approval.objects.get(batch=batch)
        assert batch.state == "awaiting_approval"
        page = self.client.get(f"/approvals/{approval.pk}/").content.decode()
        assert "Approve and start" not in page
        assert "Another manager of the team must answer your own request." in page
        response = self.answer(approval, self.owner, answer="approve")
        assert "You cannot answer your own request" in response.content.decode()
        assert Batch.objects.get(pk=batch.pk).state == "awaiting_approval"
        assert not AuditEntry.objects.filter(act="approval.given").exists()
        # The manager is not told of their own request; staff may answer it.
        assert self.owner not in requests.deciders_of(approval)
        self.answer(approval, self.staff, answer="approve")
        assert Batch.objects.get(pk=batch.pk).state == "running"
        # Staff may answer their own too (staff's threshold for everyone).
        ApprovalPolicy.objects.create(threshold=1)
        Membership.objects.create(team=self.team, user=self.staff)
        own = self.started_by(self.staff, n=2)
        assert own.state == "awaiting_approval"
        self.answer(Approval.objects.get(batch=own), self.staff, answer="approve")
        assert Batch.objects.get(pk=own.pk).state == "running"

    def test_someone_who_is_not_a_manager_of_the_team_gets_404(self):
        batch = self.started_by(self.teammate, n=3)
        approval = Approval.objects.get(batch=batch)
        member = get_user_model().objects.create_user("member", password=PASSWORD)
        Membership.objects.create(team=self.team, user=member)
        for person in (self.outsider, member):
            self.client.force_login(person)
            assert self.client.get(f"/approvals/{approval.pk}/").status_code == 404
            photo_id = batch.items.first().photos.first().pk
            url = f"/approvals/{approval.pk}/photos/{photo_id}/"
            assert self.client.get(url).status_code == 404
            response = self.client.post(f"/approvals/{approval.pk}/answer/", {"answer": "approve"})
            assert response.status_code == 404
            assert "asks for approval" not in self.client.get("/history/").content.decode()
        assert Batch.objects.get(pk=batch.pk).state == "awaiting_approval"

    def test_staff_threshold_for_everyone_applies_where_the_team_has_none(self):
        Team.objects.filter(pk=self.team.pk).update(approval_threshold=None)
        ApprovalPolicy.objects.create(threshold=5)
        assert self.started_by(self.teammate, n=3).state == "running"
        ApprovalPolicy.objects.update(threshold=2)
        assert self.started_by(self.teammate, n=3).state == "awaiting_approval"

    def test_a_single_run_over_the_threshold_waits_as_a_batch_of_one(self):
        self.login(self.teammate)
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key, generate_num="4"))
        assert response.status_code == 302
        batch = Batch.objects.get(user=self.teammate)
        assert response["Location"] == batch.get_absolute_url()
        assert batch.state == "awaiting_approval" and batch.items.count() == 1
        assert Run.objects.count() == 0 and self.sandbox.calls("generate") == 0
        assert points_used(team=self.team) == 4
        self.answer(Approval.objects.get(batch=batch), self.owner, answer="approve")
        self.tick()
        assert self.sandbox.calls("generate") == 1
        (run,) = Run.objects.all()
        assert run.user == self.teammate and run.points_quoted == 4

    def test_a_kept_gallery_page_shows_a_new_request_at_once(self):
        loner = get_user_model().objects.create_user("loner", password=PASSWORD)
        ApprovalPolicy.objects.create(threshold=2)  # for people in no team: staff answer
        self.login(self.staff)
        assert "asks for approval" not in self.client.get("/history/").content.decode()
        batch = self.started_by(loner, n=3)
        assert batch.team is None and batch.state == "awaiting_approval"
        self.login(self.staff)
        assert "loner asks for approval" in self.client.get("/history/").content.decode()
        self.answer(Approval.objects.get(batch=batch), self.staff, answer="refuse", reason="No")
        assert "asks for approval" not in self.client.get("/history/").content.decode()

    def test_cancelling_a_waiting_batch_withdraws_its_request(self):
        batch = self.started_by(self.teammate, n=3)
        self.client.post(f"{batch.get_absolute_url()}cancel/")
        batch.refresh_from_db()
        assert batch.state == "cancelled"
        assert Approval.objects.get(batch=batch).state == "cancelled"
        assert points_used(team=self.team) == 0
        assert AuditEntry.objects.filter(act="approval.cancelled").count() == 1
        self.login(self.owner)
        assert "asks for approval" not in self.client.get("/history/").content.decode()


class StaffThresholdTests(BatchTestCase):
    def test_staff_set_the_threshold_for_everyone_in_the_admin_and_it_is_audited(self):
        self.login(self.staff)
        response = self.client.post(
            "/admin/generator/approvalpolicy/add/", {"threshold": "100"}, follow=True
        )
        assert response.status_code == 200
        policy = ApprovalPolicy.objects.get()
        assert policy.threshold == 100
        url = f"/admin/generator/approvalpolicy/{policy.pk}/change/"
        self.client.post(url, {"threshold": "40"})
        entries = list(AuditEntry.objects.filter(act="setting.changed").order_by("id"))
        assert [(e.before, e.after) for e in entries] == [
            (None, {"threshold": 100}),
            ({"threshold": 100}, {"threshold": 40}),
        ]
        assert entries[1].actor_name == "staff" and entries[1].via == "admin"
        # One row: no second one can be added.
        assert self.client.get("/admin/generator/approvalpolicy/add/").status_code == 403
        # Someone who is not staff cannot reach it.
        self.login(self.owner)
        assert self.client.get(url).status_code == 302
