"""People take turns at A1: a small batch started after a big one starts at once, a
person's share of the batch runs at A1 is capped while others wait, and more keys (or a
browser session) never buy more calls."""

from __future__ import annotations

from generator.batches import checking as batch_checking
from generator.batches import status as batch_status
from generator.keys import services as keys
from generator.models import ApiKey, Batch, Run
from tests.base import photo
from tests.batches.base import BatchTestCase
from tests.live import ApiTestCase


class TurnTests(BatchTestCase):
    def started_by(self, user, n: int) -> Batch:
        self.client.force_login(user)
        files = [photo(f"{user.get_username()}-{i:02d}.jpg") for i in range(n)]
        assert self.batch_post(files).status_code == 302
        batch = Batch.objects.get(user=user, state="draft")
        while batch_checking.batch_check_step(batch_id=batch.pk):
            pass
        self.client.post(f"{batch.get_absolute_url()}start/")
        batch.refresh_from_db()
        assert batch.state == "running"
        return batch

    def sent_by(self) -> list[str]:
        return [
            run.user.get_username()
            for run in Run.objects.filter(batch__isnull=False).order_by("created")
        ]

    def test_a_small_batch_started_after_a_big_one_goes_next(self):
        big = self.started_by(self.owner, n=8)
        self.tick(times=3)  # the big batch alone: it has the pace to itself
        small = self.started_by(self.teammate, n=2)
        page = self.client.get(small.get_absolute_url()).content.decode()
        assert "Sharing the pace with 1 other person's batch" in page
        self.tick(times=4)
        # The next two sends are the teammate's (the owner has 3 at A1, they have none),
        # then the owner's batch goes on.
        assert self.sent_by() == ["owner"] * 3 + ["teammate", "teammate", "owner", "owner"]
        assert small.items.filter(state="sent").count() == 2
        assert big.items.filter(state="waiting").count() == 3

    def test_a_persons_share_is_capped_while_others_wait_not_when_alone(self):
        with self.settings(BATCH_MAX_IN_FLIGHT_PER_PERSON=2):
            self.started_by(self.owner, n=6)
            self.tick(times=4)  # alone: past the per-person share
            assert self.sent_by() == ["owner"] * 4
            self.started_by(self.teammate, n=3)
            self.tick(times=3)
            # The owner has 4 at A1 (over their share while someone waits): only the
            # teammate is sent, though the owner's batch was there first.
            assert self.sent_by()[4:] == ["teammate"] * 3
            self.tick(times=1)  # nobody else waits: the owner may use the whole pace
            assert self.sent_by()[7:] == ["owner"]

    def test_the_eta_counts_the_people_sharing_the_pace(self):
        big = self.started_by(self.owner, n=6)
        alone = batch_status.batch_progress(batch=big)
        self.started_by(self.teammate, n=6)
        shared = batch_status.batch_progress(batch=big)
        assert (alone.people_sharing, shared.people_sharing) == (1, 2)
        assert shared.eta_seconds > alone.eta_seconds


class KeyTests(BatchTestCase):
    def test_a_person_may_have_only_so_many_active_keys(self):
        self.login()
        with self.settings(KEYS_PER_PERSON=2):
            for name in ("one", "two"):
                self.client.post("/account/keys/", {"name": name})
            refused = self.client.post("/account/keys/", {"name": "three"})
            assert refused.status_code == 409
            assert "You have 2 active keys, as many as a person may have" in (
                refused.content.decode()
            )
            assert ApiKey.objects.filter(user=self.owner).count() == 2
            keys.key_revoke(key=ApiKey.objects.first(), by=self.owner)
            assert self.client.post("/account/keys/", {"name": "three"}).status_code == 302


class PersonRateTests(ApiTestCase):
    def test_more_keys_or_a_session_never_buy_more_calls(self):
        second = self.key_for(self.owner)
        with self.settings(API_RATE_BURST=4, API_RATE_PER_MINUTE=1):
            answers = [
                self.api("GET", "/me", token=t).status_code for t in [self.token, second] * 2
            ]
            assert answers == [200] * 4
            assert self.api("GET", "/me", token=second).status_code == 429
            browser = self.session(token=False)
            self.client.force_login(self.owner)
            browser.cookies.set("sessionid", self.client.cookies["sessionid"].value)
            assert browser.get(self.url("/api/v1/me"), timeout=30).status_code == 429
            other = self.key_for(self.teammate)
            assert self.api("GET", "/me", token=other).status_code == 200  # theirs is theirs
