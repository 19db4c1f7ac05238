"""The suite's base: four people and two teams, the portal wired to the sandbox, and
real runs started through the form with the worker's steps driven by hand.

Every domain's tests build on these cases; helpers one domain alone needs live in that
domain's folder (tests/library/base.py, tests/batches/base.py, ...), and the portal
served over real HTTP for scripts is tests/live.py.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.test import Client, TestCase, TransactionTestCase
from django.utils import timezone

from generator.models import LedgerEntry, Membership, Run, Team
from generator.money.ledger import ledger_months_rebuild
from generator.runs import tracking
from tests.conftest import SandboxHandle, image_bytes

if TYPE_CHECKING:
    from django.contrib.auth.models import User as Person

WATERCOLOR = "1838546335502970881"
PASSWORD = "correct horse battery staple"


def create_people(target) -> None:
    """owner and teammate share a team; outsider is in another team; staff sees all."""
    User = get_user_model()
    target.owner = User.objects.create_user("owner", password=PASSWORD)
    target.teammate = User.objects.create_user("teammate", password=PASSWORD)
    target.outsider = User.objects.create_user("outsider", password=PASSWORD)
    # Staff review in the admin, which needs its permissions: a superuser has them all.
    target.staff = User.objects.create_user(
        "staff", password=PASSWORD, is_staff=True, is_superuser=True
    )
    target.team = Team.objects.create(name="Studio")
    target.other_team = Team.objects.create(name="Elsewhere")
    Membership.objects.create(team=target.team, user=target.owner, role="manager")
    Membership.objects.create(team=target.team, user=target.teammate)
    Membership.objects.create(team=target.other_team, user=target.outsider)


def backdate(run: Run, when) -> None:
    """Move a run, and the points the ledger holds for it, to another time (for tests
    of months and periods: the ledger counts points on the day they were held)."""
    Run.objects.filter(pk=run.pk).update(created=when)
    LedgerEntry.objects.filter(run_id=run.pk).update(day=timezone.localdate(when))
    ledger_months_rebuild()  # the month totals follow the entries they count


class PortalMixin:
    """The four people, the portal wired to the sandbox, and helpers for the app form."""

    sandbox: SandboxHandle
    client: Client
    # Made by create_people:
    owner: Person
    teammate: Person
    outsider: Person
    staff: Person
    team: Team
    other_team: Team

    @pytest.fixture(autouse=True)
    def _use_sandbox(self, sandbox, settings):
        settings.A1_BASE_URL = sandbox.url
        settings.A1_API_KEY = "sandbox"
        settings.IMAGE_URL_ALLOW_PRIVATE = True  # the sandbox serves images from loopback
        self.sandbox = sandbox

    def login(self, user=None):
        self.client.force_login(user or self.owner)

    # --- helpers for the app form ---------------------------------------------

    def form_page(self, app_id=WATERCOLOR, **extra):
        response = self.client.get(f"/apps/{app_id}/", **extra)
        assert response.status_code == 200, response.content[:500]
        return response

    def form_key(self, response) -> str:
        match = re.search(rb'name="idempotency_key" value="([0-9a-f-]+)"', response.content)
        assert match, "the form has no idempotency key"
        return match.group(1).decode()

    def watercolor_post(self, key: str, **overrides) -> dict:
        data = {
            "idempotency_key": key,
            "cnet_17466175263110005": photo("face.jpg"),
            "desc_1838546335507165192": "red",
            "style": "183854633550716522",
            "size": "6",
            "generate_num": "2",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    def submit(self, app_id=WATERCOLOR, data=None, **extra):
        return self.client.post(f"/apps/{app_id}/", data, **extra)

    def only_run(self) -> Run:
        (run,) = Run.objects.all()
        return run


def photo(name="face.jpg", fmt="JPEG", size=(300, 400), **save):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = image_bytes(fmt, size=size, **save) if fmt else b""
    return SimpleUploadedFile(name, content)


class BaseTestCase(PortalMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        create_people(cls)


class TransactionalTestCase(PortalMixin, TransactionTestCase):
    """For tests where another thread or process must see the rows (worker, web)."""

    def setUp(self):
        super().setUp()
        create_people(self)


class TrackingMixin(PortalMixin):
    """Start real runs through the form, then drive the worker's steps by hand."""

    def start(self, user=None, **overrides) -> Run:
        self.login(user or self.owner)
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key, **overrides))
        assert response.status_code == 302, response.content[:300]
        return Run.objects.get(idempotency_key=key)

    def make_due(self, run: Run) -> None:
        Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now() - timedelta(seconds=1))

    def poll(self, run: Run):
        """One worker step, as if its time had come."""
        self.make_due(run)
        next_at = tracking.run_poll(run_id=run.pk)
        run.refresh_from_db()
        return next_at

    def finish_upstream(self, run: Run, state="completed") -> None:
        self.sandbox.finish(run.task_id, state)

    # --- finished runs and their stored files -----------------------------------

    def finished(self, user=None, state="completed", **overrides) -> Run:
        """A run through the form, finished upstream and copied into our storage."""
        run = self.start(user, **overrides)
        self.finish_upstream(run, state)
        self.poll(run)
        assert run.state == state
        return run

    def files_of(self, run: Run) -> list[str]:
        names = [image.file.name for image in run.inputs.all()]
        for result in run.results.all():
            names += [result.file.name, result.thumbnail.name]
        return [n for n in names if n]

    def stored(self, name: str) -> bool:
        return default_storage.exists(name)


class TrackingTestCase(TrackingMixin, BaseTestCase):
    pass


class TransactionalTrackingTestCase(TrackingMixin, TransactionalTestCase):
    pass


def admin_post_data(response) -> dict:
    """The person's admin page as its form would post it, unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or getattr(field.widget, "read_only", False) or field.disabled:
            continue
        if hasattr(value, "all"):
            value = [obj.pk for obj in value.all()]
        elif hasattr(field.widget, "decompress"):
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{i}"] = part
            continue
        data[name] = value
    return data
