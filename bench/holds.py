"""The budget check and the hold: what deciding "may this person spend?" and writing who
pays costs each run, in milliseconds (the figure LiteLLM publishes as 2-12 ms median
overhead per request for the same job).

Runs in the bench's own process on its database (SQLite, or BENCH_DATABASE_URL), with
Django set up by bench/run.py. A person in a team, both with a monthly budget, and a
month of history already in the ledger (the check sums it); then, run after run, the
transaction `run_open` writes (generator/runs/submission.py), timed part by part:
`spend_check` (generator/money/budgets.py: the person's, the team's and the budgets'
rows locked, the month's use summed, the balance alert read), the run's row, and
`ledger_hold` (generator/money/ledger.py: who pays, written once). The check and the
hold are the overhead; the row is what any portal writes anyway.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import timedelta

from bench.harness import percentile

WATERCOLOR = "1838546335502970881"


def _setup(history: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from generator.models import Budget, LedgerEntry, Membership, Team
    from generator.money.ledger import ledger_months_rebuild

    team = Team.objects.create(name="Bench holds")
    user = get_user_model().objects.create_user(f"holds-{uuid.uuid4().hex[:8]}")
    Membership.objects.create(team=team, user=user)
    Budget.objects.create(user=user, monthly_points=10**9)
    Budget.objects.create(team=team, monthly_points=10**9)
    today = timezone.localdate()
    first = today.replace(day=1)
    days = max(1, (today - first).days + 1)
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            kind=LedgerEntry.Kind.SPEND,
            points=2,
            day=first + timedelta(days=n % days),
            user=user,
            team=team,
            app_id=WATERCOLOR,
        )
        for n in range(history)
    )
    ledger_months_rebuild()  # bulk_create bypasses the ledger: its month totals follow
    return user, team


def scenario_holds(*, runs: int = 1000, history: int = 20_000) -> dict:
    """Median and p95 (ms) of the check, the hold, both, the row, and the transaction."""
    from django.db import connection, transaction
    from django.db.models import Sum

    from generator.models import LedgerEntry, Run
    from generator.money.budgets import spend_check
    from generator.money.ledger import Billing, ledger_hold, month_start

    user, team = _setup(history)
    parts: dict[str, list[float]] = {
        k: [] for k in ("check", "row", "hold", "transaction", "entries_sum")
    }
    for n in range(runs + 20):
        started = time.perf_counter()
        with transaction.atomic():
            t0 = time.perf_counter()
            spend_check(user=user, team=team, points=2, app_id=WATERCOLOR)
            t1 = time.perf_counter()
            run = Run.objects.create(
                user=user,
                team=team,
                idempotency_key=uuid.uuid4(),
                app_id=WATERCOLOR,
                app_name="Watercolor portrait",
                points_quoted=2,
                state=Run.State.SUBMITTING,
            )
            t2 = time.perf_counter()
            ledger_hold(
                points=2,
                billing=Billing.of(user=user, team=team, api_key=None),
                run=run,
                app_id=WATERCOLOR,
            )
            t3 = time.perf_counter()
        ended = time.perf_counter()
        # What the check read before the ledger kept month totals: the month's entries of
        # the person and of the team, summed (the same indexes, the same rows).
        t4 = time.perf_counter()
        for scope in ({"user": user}, {"team": team}):
            LedgerEntry.objects.filter(**scope, day__gte=month_start()).aggregate(
                points=Sum("points", default=0)
            )
        t5 = time.perf_counter()
        if n < 20:  # warm-up: connections, statements, caches
            continue
        parts["entries_sum"].append((t5 - t4) * 1000)
        parts["check"].append((t1 - t0) * 1000)
        parts["row"].append((t2 - t1) * 1000)
        parts["hold"].append((t3 - t2) * 1000)
        parts["transaction"].append((ended - started) * 1000)
    overhead = [c + h for c, h in zip(parts["check"], parts["hold"], strict=True)]
    figures = {
        name: {"median_ms": statistics.median(v), "p95_ms": percentile(v, 95)}
        for name, v in (*parts.items(), ("check_and_hold", overhead))
    }
    return {
        "database": connection.vendor,
        "runs": runs,
        "ledger_entries_this_month": history,
        **figures,
    }


def holds_rows(h: dict) -> list[tuple[str, str, str, str]]:
    both = h["check_and_hold"]
    return [
        (
            f"budget check + hold per run, median / p95 (ms, {h['database']})",
            f"{both['median_ms']:.2f} / {both['p95_ms']:.2f}",
            "LiteLLM: 2-12 median",
            "",
        ),
        (
            "  check / hold / the run's row / whole transaction, median (ms)",
            " / ".join(f"{h[k]['median_ms']:.2f}" for k in ("check", "hold", "row", "transaction")),
            "",
            "",
        ),
        (
            f"  the month's {h['ledger_entries_this_month']:,} entries summed instead (the check before), median (ms)",
            f"{h['entries_sum']['median_ms']:.2f}",
            "",
            "",
        ),
    ]
