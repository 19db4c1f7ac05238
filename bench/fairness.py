"""Bench scenario: fair share. One person's 500-item batch is running; a second person
starts a 10-item batch. Measures how soon the small batch is served:

- its first result, from its start, against one send interval (1 / BATCH_SEND_RATE)
  plus one task duration; and against the same photo's first result in a batch of one
  started alone, in the same sitting, plus one send interval (what the big batch costs
  the small one, with our poll and copy on both sides);
- its last result, against its own pace floor (items / BATCH_SEND_RATE + one task
  duration, as if it were alone) x 1.2.

The app has run once before (as an app in use has). The big batch is cancelled once the small one is done (its items not yet sent are
released), so the scenario costs a minute or two, not the big batch's whole length.
"""

from __future__ import annotations

import time

from bench.batch import _wait, post_batch_form
from bench.harness import Stack, first_group, login


def _started_batch(stack: Stack, username: str, items: int):
    """A batch of `items` photos posted by `username`, checked, and its session and page."""
    from generator.models import Batch

    session = login(stack.url, username)
    location = post_batch_form(stack, session, items)
    batch = Batch.objects.get(pk=first_group(r"/batches/([0-9a-f-]+)/", location))
    _wait(lambda: not batch.items.filter(state="checking").exists(), 600, "checking photos")
    return session, location, batch


def _app_in_use(stack: Stack) -> None:
    """The app has run before, as an app in use has: its usual duration is known
    (generator/runs/durations.py times the first poll from it). A fresh database learns
    it from its first completed task; one run of one photo does that here."""
    from generator.models import Run

    if not Run.objects.filter(state="completed", batch__isnull=False).exists():
        _alone(stack)


def _alone(stack: Stack) -> float:
    """Seconds from starting a batch of one photo, with nothing else running, to its
    result copied: the small batch's first result as it would be without the big one."""
    from generator.models import Run

    session, location, batch = _started_batch(stack, "user02", 1)
    started_wall = time.time()
    _post(stack, session, location, "start")
    _wait(lambda: Run.objects.filter(batch=batch, state="completed").exists(), 120, "a lone run")
    finished = Run.objects.get(batch=batch).finished_at
    assert finished is not None
    return finished.timestamp() - started_wall


def _post(stack: Stack, session, location: str, action: str) -> None:
    page = session.get(f"{stack.url}{location}", timeout=60)
    session.post(
        f"{stack.url}{location}{action}/",
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": page.url},
        timeout=60,
    )


def scenario_fairness(
    stack: Stack, *, big: int, small: int, rate: float, task_seconds: float
) -> dict:
    from generator.models import BatchItem, Run

    _app_in_use(stack)
    alone = _alone(stack)
    big_session, big_location, big_batch = _started_batch(stack, "user00", big)
    _, small_location, small_batch = _started_batch(stack, "user01", small)
    _post(stack, big_session, big_location, "start")
    # The big batch well under way: its runs at A1 past any per-person share.
    _wait(
        lambda: BatchItem.objects.filter(batch=big_batch, state="sent").count() >= 40,
        300,
        "the big batch under way",
    )
    big_sent_at_start = BatchItem.objects.filter(batch=big_batch, state="sent").count()
    small_session = login(stack.url, "user01")
    started_wall = time.time()
    _post(stack, small_session, small_location, "start")

    def done() -> list[float]:
        runs = Run.objects.filter(batch=small_batch, state="completed")
        return sorted(
            finished.timestamp()
            for finished in runs.values_list("finished_at", flat=True)
            if finished is not None
        )

    _wait(lambda: len(done()) >= 1, 300, "the small batch's first result")
    _wait(lambda: len(done()) >= small, 600, "the small batch's last result")
    finished = done()
    first, last = finished[0] - started_wall, finished[-1] - started_wall
    # Where the time went: when A1 was given each item, and how long from then to our copy.
    runs = list(Run.objects.filter(batch=small_batch).values_list("sent_at", "finished_at"))
    sent = sorted(s.timestamp() - started_wall for s, _ in runs if s is not None)
    copied_after_sent = sorted(
        (f - s).total_seconds() for s, f in runs if s is not None and f is not None
    )
    # From A1's end of each task to our copy done (the poll's timing plus the copy), and
    # how many task queries each took.
    from a1 import Task

    ended = [
        (finished - task_end).total_seconds()
        for answer, finished in Run.objects.filter(batch=small_batch).values_list(
            "upstream_response", "finished_at"
        )
        if finished is not None and (task_end := Task.from_json(answer or {}).finished_at)
    ]
    polls = sorted(Run.objects.filter(batch=small_batch).values_list("poll_count", flat=True))
    big_sent_meanwhile = (
        BatchItem.objects.filter(batch=big_batch, state="sent").count() - big_sent_at_start
    )
    _post(stack, big_session, big_location, "cancel")
    first_target = 1 / rate + task_seconds
    floor = small / rate + task_seconds
    return {
        "big_items": big,
        "small_items": small,
        "pace_per_second": rate,
        "task_seconds": task_seconds,
        "big_sent_before_small_started": big_sent_at_start,
        "big_sent_while_small_ran": big_sent_meanwhile,
        "first_result_s": first,
        "first_target_s": first_target,
        "first_over_target": first / first_target,
        "alone_first_result_s": alone,
        "first_over_alone": first / (alone + 1 / rate),
        "last_result_s": last,
        "own_floor_s": floor,
        "last_over_floor": last / floor,
        "first_sent_s": sent[0] if sent else None,
        "last_sent_s": sent[-1] if sent else None,
        "task_end_to_copied_median_s": sorted(ended)[len(ended) // 2] if ended else None,
        "task_end_to_copied_max_s": max(ended) if ended else None,
        "polls_per_run_median": polls[len(polls) // 2] if polls else None,
        "sent_to_copied_median_s": copied_after_sent[len(copied_after_sent) // 2]
        if copied_after_sent
        else None,
    }


def fairness_rows(f: dict) -> list[tuple[str, str, str, str]]:
    def met(ok: bool) -> str:
        return "yes" if ok else "NO"

    rows = [
        (f"fair share: {f['small_items']} items after {f['big_items']}, first result / (send interval + task) (s)", f"{f['first_result_s']:.1f} / {f['first_target_s']:.1f} = {f['first_over_target']:.2f}", "<= 1.0", met(f["first_over_target"] <= 1.0)),
        ("fair share: last result / own pace floor (s)", f"{f['last_result_s']:.1f} / {f['own_floor_s']:.1f} = {f['last_over_floor']:.2f}", "<= 1.20", met(f["last_over_floor"] <= 1.2)),
    ]  # fmt: skip
    if "first_over_alone" in f:  # results from before the lone run was measured lack it
        alone = f["alone_first_result_s"] + 1 / f["pace_per_second"]
        rows.insert(1, ("fair share: first result / (the same started alone + send interval) (s)", f"{f['first_result_s']:.1f} / {alone:.1f} = {f['first_over_alone']:.2f}", "<= 1.0", met(f["first_over_alone"] <= 1.0)))  # fmt: skip
    return rows
