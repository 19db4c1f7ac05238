"""The spend check locks the person's row against other spends, deactivation and
revocation, but never waits on a transaction that is only settling another run of the
same person (whose ledger entries name the person): on PostgreSQL that wait, while the
settling transaction waited for a month total the check's transaction held, was a
deadlock that failed parallel batch sends (make chaos, S3 503 + a worker killed)."""

from __future__ import annotations

import threading
import uuid
from types import SimpleNamespace

import pytest
from django.db import connection, connections, transaction

from generator.models import Run
from generator.money.budgets import spend_check
from generator.money.ledger import Billing, ledger_hold, ledger_spend, points_used
from tests.base import create_people
from tests.conftest import wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks no rows"),
]


def a_run_held(people) -> Run:
    run = Run.objects.create(
        user=people.owner, team=people.team, points_quoted=2, idempotency_key=uuid.uuid4()
    )
    with transaction.atomic():
        ledger_hold(
            points=2, billing=Billing.of(user=people.owner, team=people.team, api_key=None), run=run
        )
    return run


def waits_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is None or row[0] == "Lock"


def test_it_starts_a_run_while_another_run_of_the_person_is_being_settled():
    people = SimpleNamespace()
    create_people(people)
    first = a_run_held(people)
    billing = Billing.of(user=people.owner, team=people.team, api_key=None)
    settled, checked = threading.Event(), threading.Event()
    settler: list[int] = []
    failures: list[BaseException] = []

    def settle() -> None:  # a worker copying the first run's results
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    settler.append(cursor.fetchone()[0])
                ledger_spend(run_id=first.pk, points=2)  # the month totals are this one's now
                settled.set()
                assert checked.wait(30)
            # committed here: the entries' foreign keys (deferred) are checked at commit
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    def start() -> None:  # a second run of the same person being started meanwhile
        try:
            with transaction.atomic():
                spend_check(user=people.owner, team=people.team, points=1, app_id=None)
                checked.set()
                # the settle commits now, or waits on this transaction's lock
                assert wait_until(lambda: not worker.is_alive() or waits_on_a_lock(settler[0]))
                second = Run.objects.create(
                    user=people.owner,
                    team=people.team,
                    points_quoted=1,
                    idempotency_key=uuid.uuid4(),
                )
                ledger_hold(points=1, billing=billing, run=second)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=settle)
    worker.start()
    assert settled.wait(30)
    web = threading.Thread(target=start)
    web.start()
    worker.join(60)
    web.join(60)
    # Both went through: the first run is paid for, the second is held (no deadlock).
    assert failures == []
    assert Run.objects.filter(user=people.owner).count() == 2
    assert points_used(user=people.owner) == 2 + 1


def test_it_still_waits_for_a_deactivation_of_the_person():
    people = SimpleNamespace()
    create_people(people)
    deactivating, checked, done = threading.Event(), threading.Event(), threading.Event()
    refused: list[str] = []

    def deactivate() -> None:
        try:
            with transaction.atomic():
                type(people.owner).objects.filter(pk=people.owner.pk).update(is_active=False)
                deactivating.set()
                done.wait(30)
        finally:
            connections.close_all()

    def check() -> None:
        try:
            with transaction.atomic():
                spend_check(user=people.owner, team=people.team, points=1, app_id=None)
        except Exception as exc:
            refused.append(str(exc))
        finally:
            checked.set()
            connections.close_all()

    worker = threading.Thread(target=deactivate)
    worker.start()
    assert deactivating.wait(30)
    web = threading.Thread(target=check)
    web.start()
    try:
        # While the deactivation is not committed the check waits for it ...
        assert not wait_until(checked.is_set, timeout=1.5)
    finally:
        done.set()
        worker.join(30)
        web.join(30)
    # ... and then reads it: no spend for a deactivated person.
    assert refused == ["This account is deactivated: it cannot start new runs."]
