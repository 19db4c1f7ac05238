"""The four rules that span features hold together, under any sequence of what people do.

A hypothesis state machine drives random sequences of the actions people take across
features, through the portal's own pages and API (Django's test client) against the
sandbox over HTTP: submit (form and API), share and bulk share, remix a teammate's
run, draft a batch from a script naming a teammate's photo, start and retry batches,
revoke a key, deactivate and erase a person, staff hide, trash and restore, change a
budget, and the worker's steps (pacer ticks, A1 finishing tasks, polls). After every
step it checks the invariants:

- who pays: entries of the ledger are only ever added (erasure only clears names);
  no budget's use grows past its limit; what the ledger says was spent matches what
  the sandbox charged;
- who owns a photo: storage and database agree (`storage_check`), and every photo and
  result a live run shows has its file;
- who may spend: a revoked key or a deactivated person started no run afterwards;
- what moderation hides: nothing hidden or in the trash is served to its owner or a
  teammate by a media link, a ZIP or the REST API.

`make test` runs a bounded number of examples on each database pass; RULES_EXAMPLES
and RULES_STEPS run it longer (`make rules`).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import uuid
import zipfile

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from generator.batches import pacing as batch_pacing
from generator.keys import services as keys
from generator.models import (
    ApiKey,
    Batch,
    Budget,
    InputImage,
    LedgerEntry,
    Membership,
    ResultImage,
    Run,
    Team,
)
from generator.runs import tracking
from generator.schedules.models import Chore
from tests.base import PASSWORD, WATERCOLOR, BaseTestCase
from tests.conftest import assert_storage_matches_database, image_bytes
from tests.forms import form_data

SLOT = "cnet_17466175263110005"
KEY_FIELD = re.compile(rb'name="idempotency_key" value="([0-9a-f-]+)"')
PEOPLE = ("ana", "ben", "cai")  # ana and ben share team A; ana is also in team B
EXAMPLES = int(os.environ.get("RULES_EXAMPLES", "15"))
STEPS = int(os.environ.get("RULES_STEPS", "30"))


class RulesMachine(RuleBasedStateMachine):
    """One company: three people, two teams, two keys, budgets; the sandbox as A1."""

    case: BaseTestCase  # set by the test: its sandbox and settings
    steps_run = 0  # every example's steps, for the long run's report

    def __init__(self):
        super().__init__()
        # Each example is one savepoint, rolled back at teardown, with its own files.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.sandbox = self.case.sandbox
        self.sandbox.reset(task_seconds=3600)
        self.balance0 = self.sandbox.balance()
        cache.clear()
        User = get_user_model()
        self.people = {name: User.objects.create_user(name, password=PASSWORD) for name in PEOPLE}
        self.staff = User.objects.create_user(
            "boss", password=PASSWORD, is_staff=True, is_superuser=True
        )
        self.team_a = Team.objects.create(name="A")
        self.team_b = Team.objects.create(name="B")
        ana, ben, cai = (self.people[n] for n in PEOPLE)
        for team, person in ((self.team_a, ana), (self.team_a, ben), (self.team_b, ana)):
            Membership.objects.create(team=team, user=person)
        Membership.objects.create(team=self.team_b, user=cai)
        self.tokens = {}
        for person in (ana, ben):
            key, token = keys.key_create(user=person, name=f"{person}'s script", monthly_points=6)
            self.tokens[key.pk] = token
        self.stopped_at: dict[str, object] = {}  # key or person -> when it stopped
        self.erased: set[str] = set()
        self.ledger_seen: dict[int, tuple] = {}
        self.steps = 0
        self.used_seen: dict[tuple, int] = {}

    def teardown(self):
        RulesMachine.steps_run += self.steps
        if os.environ.get("RULES_DEBUG"):
            print(
                "steps",
                self.steps,
                "runs",
                Run.objects.count(),
                "entries",
                LedgerEntry.objects.count(),
                "batches",
                Batch.objects.count(),
                "generate",
                self.sandbox.calls("generate"),
                "erased",
                self.erased,
                "stopped",
                len(self.stopped_at),
            )
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        shutil.rmtree(django_settings.MEDIA_ROOT, ignore_errors=True)
        os.makedirs(django_settings.MEDIA_ROOT, exist_ok=True)

    # --- helpers ---------------------------------------------------------------------

    def client_for(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def alive(self, name: str):
        person = self.people.get(name)
        if person is None or name in self.erased:
            return None
        person.refresh_from_db()
        return person

    def runs(self, **filters):
        return list(Run.objects.filter(**filters).order_by("created", "pk"))

    def api(self, token: str, method: str, path: str, **kwargs):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        return getattr(client, method)(f"/api/v1{path}", **kwargs)

    # --- what people do ----------------------------------------------------------------

    @initialize(ana=st.integers(0, 20), team_a=st.integers(2, 20), team_b=st.integers(2, 20))
    def budgets(self, ana, team_a, team_b):
        Budget.objects.create(user=self.people["ana"], monthly_points=ana)
        Budget.objects.create(team=self.team_a, monthly_points=team_a)
        Budget.objects.create(team=self.team_b, monthly_points=team_b)

    @rule(name=st.sampled_from(PEOPLE), team=st.sampled_from("AB"), n=st.integers(1, 2))
    def submit(self, name, team, n):
        person = self.alive(name)
        if person is None or not person.is_active:
            return
        chosen = self.team_a if team == "A" else self.team_b
        client = self.client_for(person)
        page = client.get(f"/apps/{WATERCOLOR}/")
        key = KEY_FIELD.search(page.content).group(1).decode()
        data = {
            "idempotency_key": key,
            SLOT: io.BytesIO(image_bytes(size=(80, 60))),
            "style": "183854633550716522",
            "size": "1",
            "generate_num": str(n),
            "team": str(chosen.pk),
            "visibility": "team",
        }
        data[SLOT].name = "face.jpg"
        response = client.post(f"/apps/{WATERCOLOR}/", data)
        assert response.status_code in (200, 302), response.status_code

    @rule(script=st.sampled_from((0, 1)), n=st.integers(1, 2))
    def submit_with_key(self, script, n):
        key = _key(script)
        if key is None:
            return
        token = self.tokens[key.pk]
        upload = self.api(token, "post", "/uploads", data={"file": _file()})
        if upload.status_code != 201:
            # Revoked, its person gone, or past the key's rate limit (a refusal too).
            assert upload.status_code in (401, 429), upload.content[:300]
            return
        body = {
            "app_id": WATERCOLOR,
            "style": "183854633550716522",
            "size": "1",
            "generate_num": n,
            "photos": {SLOT: upload.json()["id"]},
        }
        answer = self.api(token, "post", "/runs", data=body, content_type="application/json")
        assert answer.status_code in (201, 401, 402, 403, 422, 429), answer.content[:300]

    @rule(data=st.data(), outcome=st.sampled_from(("completed", "completed", "failed")))
    def a1_finishes_a_task(self, data, outcome):
        running = self.runs(state__in=Run.IN_FLIGHT)
        if not running:
            return
        run = data.draw(st.sampled_from(running))
        self.sandbox.finish(run.task_id, outcome)
        for _ in range(2):
            Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now())
            tracking.run_poll(run_id=run.pk)

    @rule(data=st.data(), team=st.sampled_from("AB"), bulk=st.booleans())
    def share(self, data, team, bulk):
        runs = [r for r in self.runs() if r.user.username not in self.erased]
        if not runs:
            return
        run = data.draw(st.sampled_from(runs))
        chosen = self.team_a if team == "A" else self.team_b
        client = self.client_for(run.user)
        if bulk:
            client.post(
                "/generations/bulk/", {"action": "share", "team": chosen.pk, "ids": [run.pk]}
            )
        else:
            client.post(f"/generations/{run.pk}/share/", {"visibility": "team", "team": chosen.pk})

    @rule(data=st.data(), name=st.sampled_from(PEOPLE))
    def remix(self, data, name):
        person = self.alive(name)
        if person is None or not person.is_active:
            return
        visible = list(Run.objects.visible_to(person).exclude(user=person).filter(
            inputs__isnull=False
        ).distinct())  # fmt: skip
        if not visible:
            return
        source = data.draw(st.sampled_from(visible))
        photo = source.inputs.first()
        client = self.client_for(person)
        page = client.get(f"/apps/{WATERCOLOR}/?remix={source.pk}")
        key = KEY_FIELD.search(page.content).group(1).decode()
        client.post(
            f"/apps/{WATERCOLOR}/",
            {
                "idempotency_key": key,
                f"{SLOT}_staged": str(photo.pk),
                "style": "183854633550716522",
                "size": "1",
                "generate_num": "1",
            },
        )

    @rule(data=st.data(), script=st.sampled_from((0, 1)), start=st.booleans())
    def batch_from_a_script(self, data, script, start):
        """A script's batch naming photos of runs its person may see (a teammate's too)."""
        key = _key(script)
        if key is None or key.revoked_at or not key.user.is_active:
            return
        photos = list(InputImage.objects.visible_to(key.user).filter(run__isnull=False))
        if not photos:
            return
        chosen = data.draw(st.lists(st.sampled_from(photos), min_size=1, max_size=3))
        body = {
            "app_id": WATERCOLOR,
            "style": "183854633550716522",
            "size": "1",
            "start": start,
            "items": [
                {"label": f"i{n}", "photos": {SLOT: str(p.pk)}} for n, p in enumerate(chosen)
            ],
        }
        answer = self.api(
            self.tokens[key.pk], "post", "/batches", data=body, content_type="application/json"
        )
        assert answer.status_code in (201, 401, 402, 403, 422, 429), answer.content[:300]

    @rule(data=st.data(), script=st.sampled_from((0, 1, None)))
    def start_a_draft(self, data, script):
        drafts = list(Batch.objects.filter(state="draft"))
        if not drafts:
            return
        batch = data.draw(st.sampled_from(drafts))
        if script is None:
            self.client_for(batch.user).post(f"/batches/{batch.pk}/start/")
            return
        key = ApiKey.objects.filter(user=batch.user).order_by("pk").first()
        if key is not None:
            self.api(self.tokens[key.pk], "post", f"/batches/{batch.pk}/start")

    @rule()
    def pacer_ticks(self):
        for _ in range(2):
            Chore.objects.filter(name=batch_pacing.SLOT).update(next_run=timezone.now())
            batch_pacing.batches_send_tick()

    @rule(data=st.data())
    def retry_failed(self, data):
        batches = list(Batch.objects.exclude(state="draft"))
        if batches:
            batch = data.draw(st.sampled_from(batches))
            self.client_for(batch.user).post(f"/batches/{batch.pk}/retry/")

    @precondition(lambda self: Run.objects.count() >= 2)
    @rule(coin=st.integers(0, 2), script=st.sampled_from((0, 1)))
    def revoke_a_key(self, coin, script):
        key = _key(script) if coin == 0 else None
        if key is not None and key.revoked_at is None:
            self.client_for(key.user).post(f"/account/keys/{key.pk}/revoke/")
            self.stopped_at[f"key:{key.pk}"] = timezone.now()

    @precondition(lambda self: Run.objects.count() >= 3)
    @rule(coin=st.integers(0, 3), name=st.sampled_from(PEOPLE))
    def staff_deactivate(self, coin, name):
        person = self.alive(name) if coin == 0 else None
        if person is None or not person.is_active:
            return
        staff = self.client_for(self.staff)
        page = staff.get(f"/admin/auth/user/{person.pk}/change/").content.decode()
        response = staff.post(
            f"/admin/auth/user/{person.pk}/change/",
            form_data(page, "user_form", is_active=None),
        )
        assert response.status_code == 302, response.content[:300]
        self.stopped_at[f"person:{person.pk}"] = timezone.now()

    @precondition(lambda self: Run.objects.count() >= 3)
    @rule(coin=st.integers(0, 3), name=st.sampled_from(PEOPLE))
    def staff_erase(self, coin, name):
        person = self.alive(name) if coin == 0 else None
        if person is None:
            return
        response = self.client_for(self.staff).post(
            f"/staff/people/{person.pk}/erase/", {"username": person.username}
        )
        assert response.status_code == 302, response.content[:300]
        self.erased.add(name)
        self.stopped_at[f"person:{person.pk}"] = timezone.now()

    @rule(data=st.data())
    def staff_hide(self, data):
        runs = self.runs(hidden=False)
        if runs:
            run = data.draw(st.sampled_from(runs))
            self.client_for(self.staff).post(
                "/admin/generator/run/", {"action": "hide", "_selected_action": [run.pk]}
            )

    @rule(data=st.data(), restore=st.booleans())
    def trash_or_restore(self, data, restore):
        runs = self.runs(deleted_at__isnull=not restore)
        if runs:
            run = data.draw(st.sampled_from(runs))
            action = "restore" if restore else "delete"
            self.client_for(run.user).post(
                "/generations/bulk/", {"action": action, "ids": [run.pk]}
            )

    @rule(scope=st.sampled_from(("ana", "A", "B")), points=st.integers(0, 10))
    def staff_change_a_budget(self, scope, points):
        budgets = {"ana": Budget.objects.filter(user__username="ana"), "A": None, "B": None}
        budgets["A"] = Budget.objects.filter(team=self.team_a)
        budgets["B"] = Budget.objects.filter(team=self.team_b)
        budgets[scope].update(monthly_points=points)

    @precondition(lambda self: Run.objects.filter(state__in=Run.IN_FLIGHT).exists())
    @rule()
    def everything_finishes(self):
        """A1 finishes every task and the worker copies everything: a quiet moment."""
        for run in self.runs(state__in=Run.IN_FLIGHT):
            self.sandbox.finish(run.task_id, "completed")
            for _ in range(2):
                Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now())
                tracking.run_poll(run_id=run.pk)
        if not self.erased:  # an erased person's runs went, with what told them apart
            charged = self.balance0 - self.sandbox.balance()
            assert charged == _sum(kind=LedgerEntry.Kind.SPEND) + self._held_by_sent_runs()

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def who_pays_entries_are_only_added(self):
        self.steps += 1  # invariants run after every step
        now = {
            e.pk: (e.kind, e.points, e.day, e.team_id, e.api_key_id, e.app_id)
            for e in LedgerEntry.objects.all()
        }
        keys_left = set(ApiKey.objects.values_list("pk", flat=True))
        for pk, seen in self.ledger_seen.items():
            if seen[4] is not None and seen[4] not in keys_left:  # erased with its person
                seen = (*seen[:4], None, seen[5])
            assert now.get(pk) == seen, f"ledger entry {pk} changed: {seen} -> {now.get(pk)}"
        self.ledger_seen = now

    @invariant()
    def who_pays_no_budget_grows_past_its_limit(self):
        for budget in Budget.objects.select_related("user", "team"):
            scope = {"user": budget.user} if budget.user_id else {"team": budget.team}
            used = _sum(**scope)
            before = self.used_seen.get(("budget", budget.pk), 0)
            assert used <= max(budget.monthly_points, before), (budget, used, before)
            self.used_seen[("budget", budget.pk)] = used
        for key in ApiKey.objects.all():
            used = _sum(api_key=key)
            limit = key.monthly_points if key.monthly_points is not None else used
            assert used <= max(limit, self.used_seen.get(("key", key.pk), 0))
            self.used_seen[("key", key.pk)] = used

    @invariant()
    def who_pays_matches_what_a1_charged(self):
        charged = self.balance0 - self.sandbox.balance()
        spent = _sum(kind=LedgerEntry.Kind.SPEND)
        held = _held()
        assert spent <= charged <= spent + held, (spent, charged, held)

    @invariant()
    def who_owns_a_photo_nothing_missing_nothing_left_over(self):
        assert_storage_matches_database()
        for photo in InputImage.objects.filter(run__isnull=False, run__deleted_at=None):
            assert photo.file and photo.file.storage.exists(photo.file.name), photo
        for result in ResultImage.objects.exclude(file=""):
            assert result.file.storage.exists(result.file.name), result

    @invariant()
    def who_may_spend_nothing_started_after_a_stop(self):
        for what, when in self.stopped_at.items():
            kind, pk = what.split(":")
            scope = {"api_key_id": int(pk)} if kind == "key" else {"user_id": int(pk)}
            late = Run.objects.filter(created__gt=when, **scope)
            assert not late.exists(), f"{what} stopped at {when} but started {list(late)}"

    @invariant()
    def what_moderation_hides_leaves_by_no_door(self):
        hidden = Run.objects.filter(hidden=True) | Run.objects.filter(deleted_at__isnull=False)
        for run in hidden.select_related("user").distinct():
            viewers = [run.user] + [
                m.user for m in Membership.objects.filter(team=run.team_id).select_related("user")
            ]
            for viewer in viewers:
                if not viewer.is_active:
                    continue
                client = self.client_for(viewer)
                for result in run.results.exclude(file=""):
                    assert client.get(f"/media/results/{result.pk}").status_code == 404
                    assert client.get(f"/media/results/{result.pk}/thumb").status_code == 404
                assert client.get(f"/generations/{run.pk}/download.zip").status_code == 404
                assert client.get(f"/api/v1/runs/{run.pk}").status_code == 404
        for batch in Batch.objects.exclude(state="draft").select_related("user"):
            if not batch.user.is_active:
                continue
            zipped = self.client_for(batch.user).get(f"/batches/{batch.pk}/download.zip")
            if zipped.status_code == 200:
                entries = zipfile.ZipFile(io.BytesIO(b"".join(zipped.streaming_content)))
                shown = ResultImage.objects.filter(
                    run__batch=batch,
                    run__hidden=False,
                    run__deleted_at__isnull=True,
                ).exclude(file="")
                assert len(entries.namelist()) == shown.count(), batch

    def _held_by_sent_runs(self) -> int:
        sent = Run.objects.filter(sent_at__isnull=False).values_list("pk", flat=True)
        return (
            LedgerEntry.objects.filter(run_id__in=list(sent))
            .exclude(kind=LedgerEntry.Kind.SPEND)
            .aggregate(p=Sum("points", default=0))["p"]
        )


def _sum(**scope) -> int:
    since = timezone.localdate().replace(day=1)
    entries = LedgerEntry.objects.filter(day__gte=since, **scope)
    return entries.aggregate(p=Sum("points", default=0))["p"]


def _held() -> int:
    return LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.SPEND).aggregate(
        p=Sum("points", default=0)
    )["p"]


def _key(n: int) -> ApiKey | None:
    keys_ = list(ApiKey.objects.order_by("pk").select_related("user"))
    return keys_[n] if n < len(keys_) else None


def _file():
    upload = io.BytesIO(image_bytes(size=(80, 60)))
    upload.name = f"{uuid.uuid4().hex[:6]}.jpg"
    return upload


class RulesHoldTogetherTests(BaseTestCase):
    def test_it_holds_the_four_rules_under_any_sequence_of_actions(self):
        RulesMachine.case = self
        # The invariants read the REST API as each person, after every step: rates are
        # not one of the four rules, so a person's rate must not answer for them.
        self.enterContext(self.settings(API_RATE_BURST=100_000))
        run_state_machine_as_test(
            RulesMachine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                derandomize=os.environ.get("RULES_SEED") is None
                and EXAMPLES <= 15,  # make test's draw
                # A failure in a short run is reported as found; a long run shrinks it.
                phases=[Phase.explicit, Phase.generate]
                + ([Phase.shrink] if os.environ.get("RULES_SHRINK") else []),
                suppress_health_check=list(HealthCheck),
            ),
        )
        if os.environ.get("RULES_DEBUG"):
            print(f"rules held over {EXAMPLES} examples, {RulesMachine.steps_run} steps in all")
