"""Sending batch items at a pace A1 accepts, across every worker.

One global send slot (a row claimed with a conditional UPDATE) lets through
BATCH_SEND_RATE items per second whatever the number of workers and pacer jobs, with
at most BATCH_MAX_IN_FLIGHT batch runs at A1 at once; A1's 20000 pushes the slot back
for every batch, an 810012 pauses every batch. Each item becomes a normal run through
`run_start` with the item's own idempotency key, and its hold moves to the run
in the run's own transaction.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models import Q
from django.tasks import TaskResultStatus, task
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from a1 import A1Error, Code
from common import metrics
from common.media import StorageUnavailable
from common.pools import ProcessPool
from common.tracing import traced_job
from generator.batches.checking import check_batch
from generator.batches.fairness import RUN_IN_FLIGHT, items_in_turn
from generator.batches.reasons import reason_problems, reason_refused
from generator.batches.status import batch_progress
from generator.errors import BudgetExceeded, SpendingStopped, SubmissionLapsed, SubmitRefused
from generator.keys import webhooks
from generator.models import Batch, BatchItem, InputImage, Run
from generator.money.ledger import ledger_release
from generator.runs.holds import batches_cancel
from generator.runs.inputs import ImageSlot, RunChoices, Said
from generator.runs.starting import AppUpdated, run_start
from generator.runs.tracking import BACKOFF_KEY
from generator.runs.workers import held_by_dead, stale_after, worker_current
from generator.schedules.models import Chore

logger = logging.getLogger(__name__)

State = Batch.State
Item = BatchItem.State
SLOT = "batch-send-slot"
SENDING_LEASE = timedelta(minutes=5)
PACER_PRIORITY = 10  # django.tasks: higher runs first among due jobs (polls are 0)


# --- sending at a pace ---------------------------------------------------------------


@task(priority=PACER_PRIORITY)
@traced_job
def pace_batches() -> None:
    """One tick of the pacer; the next tick is queued while there is work. It goes ahead
    of the queue's polls and copies when due: a late tick is a batch sent late."""
    next_at = batches_send_tick()
    if next_at is not None:
        pace_batches.using(run_after=next_at).enqueue()


def _tick_seconds() -> float:
    return max(1.0, 1.0 / settings.BATCH_SEND_RATE)


def batches_send_tick(*, now: datetime | None = None) -> datetime | None:
    """Send up to a tick's worth of items; return when to tick again (None: no work).

    The slot row makes this global: however many pacer jobs and workers there are,
    at most BATCH_SEND_RATE items per second go to A1.
    """
    now = now or timezone.now()
    tick = timedelta(seconds=_tick_seconds())
    Chore.objects.get_or_create(name=SLOT, defaults={"next_run": now})
    if not Chore.objects.filter(name=SLOT, next_run__lte=now).update(next_run=now + tick):
        return None  # another job has this tick; it queues the next one
    _repair_sending(now)
    backoff_until = cache.get(BACKOFF_KEY)
    if backoff_until and backoff_until > now:
        Chore.objects.filter(name=SLOT).update(next_run=backoff_until)
        return backoff_until
    per_tick = max(1, round(settings.BATCH_SEND_RATE * tick.total_seconds()))
    pending = _slots_pending()  # this worker's slots of an earlier tick not yet used
    budget = min(_room() - pending, per_tick - pending)
    if budget > 0:
        _send_spread(budget=budget, now=now)
    backoff_until = cache.get(BACKOFF_KEY)
    if backoff_until and backoff_until > now:
        return backoff_until
    if (
        not BatchItem.objects.filter(state=Item.WAITING, batch__state=State.RUNNING).exists()
        and not BatchItem.objects.filter(state=Item.SENDING).exists()
    ):
        return None
    return now + tick


def _room() -> int:
    """How many more batch runs may go to A1 now (BATCH_MAX_IN_FLIGHT): runs at A1 and
    items being sent count."""
    return (
        settings.BATCH_MAX_IN_FLIGHT
        - Run.objects.filter(batch__isnull=False, state__in=RUN_IN_FLIGHT).count()
        - BatchItem.objects.filter(state=Item.SENDING).count()
    )


def _send_spread(*, budget: int, now: datetime) -> None:
    """Send up to `budget` items, one send interval (1 / BATCH_SEND_RATE) apart.

    Each send is a slot on the send pool's threads (BATCH_SEND_THREADS): at its moment
    the slot claims the next item in turn (fairness.py), so a batch started during the
    tick has its first item out within one send interval, and sends overlap, so one
    slow upload does not hold back the next. The tick itself returns at once: the
    worker goes back to polls and copies. Each item is sent once by `run_start` with its
    own key; nothing here retries it. A caller inside a transaction (a test's) has rows
    other threads cannot see yet: its items are sent in turn on the caller's thread.
    """
    interval = 1.0 / settings.BATCH_SEND_RATE
    started = time.monotonic()
    if budget == 1 or connection.in_atomic_block or settings.BATCH_SEND_THREADS <= 1:
        for n in range(budget):
            _pause_until(started + n * interval)
            claim = _claim_next(now)
            if claim is None:
                return
            item, token = claim
            try:
                if _send_counted(item) in ("slow down", "storage away"):
                    return
            finally:
                _sending_here_done(token)
        return
    for n in range(budget):
        with _slots_lock:
            _slots[0] += 1
        try:
            slot = _sends.get().submit(_send_slot, started + n * interval)
        except RuntimeError:  # the pool is shutting down (sends_stop): no more slots
            _slot_gone()
            return
        slot.add_done_callback(_slot_cancelled)


def _slot_gone() -> None:
    with _slots_lock:
        _slots[0] -= 1


def _slot_cancelled(slot: Future) -> None:
    """A slot cancelled before its moment (sends_stop) is no longer pending."""
    if slot.cancelled():
        _slot_gone()


def _send_slot(moment: float) -> str:
    """One send slot on a pool thread: at `moment`, the next item in turn, if A1 has not
    asked us to slow down and the in-flight cap has room. Gives its database connection
    back afterwards."""
    item, token = None, None
    try:
        _pause_until_or_stop(moment)
        _slot_gone()
        if _stopping.is_set():
            return "skipped"  # the worker is stopping (sends_stop): sends in progress end
        now = timezone.now()
        backoff_until = cache.get(BACKOFF_KEY)
        if backoff_until and backoff_until > now:
            return "skipped"
        if time.monotonic() < _storage_away_until[0]:
            return "skipped"  # an earlier slot found our storage away: this tick waits
        # The cap's check and the claim as one step among this worker's threads: two
        # slots never both take the last place. Across workers the two are not one step:
        # each worker may claim one item past the cap (see docs/reliability.md).
        with _sending_here_lock:
            if _room() <= 0:
                return "skipped"
            claim = _claim_next(now)
        if claim is None:
            return "nothing"
        item, token = claim
        outcome = _send_counted(item)
        if outcome == "storage away":
            _storage_away_until[0] = time.monotonic() + _tick_seconds()
        return outcome
    except Exception:
        # A claimed item stays SENDING under its lease and is repaired (linked to its
        # run if one was written, else waiting again): never sent again blindly.
        logger.exception("Batch send slot failed (item %s)", item.pk if item else None)
        return "refused"
    finally:
        if token is not None:
            _sending_here_done(token)
        connections.close_all()


def _pause_until_or_stop(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        _stopping.wait(delay)


def _slots_pending() -> int:
    with _slots_lock:
        return _slots[0]


def _send_counted(item: BatchItem) -> str:
    """Send one item and act on its outcome: counted if sent; A1's "slow down" pushes
    the send slot back for every batch (and every pacer) for BATCH_BACKOFF_SECONDS."""
    outcome = _send(item)
    if outcome == "sent":
        metrics.batch_items_sent.inc()
    if outcome == "slow down":
        metrics.upstream_backoffs.labels("/images/generate").inc()
        until = timezone.now() + timedelta(seconds=settings.BATCH_BACKOFF_SECONDS)
        cache.set(BACKOFF_KEY, until, timeout=settings.BATCH_BACKOFF_SECONDS + 1)
        Chore.objects.filter(name=SLOT).update(next_run=until)
    return outcome


def _pause_until(moment: float) -> None:
    """The pace itself: the next item goes one send interval after the previous one."""
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


# One pool per worker process: its threads keep their A1 connections between ticks.
_sends = ProcessPool(size=lambda: settings.BATCH_SEND_THREADS, prefix="send")
_stopping = threading.Event()  # sends_stop: slots not yet at their moment give up
_slots = [0]  # send slots queued on this worker's pool and not yet at their moment
_slots_lock = threading.Lock()
_storage_away_until = [0.0]  # monotonic: slots of this tick skip once storage was away
# Items this worker process is sending right now (on its pool or the caller's thread).
# The repair of "this worker's own" SENDING items (`_repair_sending(held_here=True)`)
# leaves these alone: with sends on a pool, an item held here as a tick starts may be a
# send still in progress, not one that broke off. Claims and the repair both hold
# `_sending_here_lock`, so the repair never sees a claim that is not yet registered.
# Each claim is its own entry (claim token -> item id): the same item may be claimed
# again by another thread here while an earlier send of it is still ending (the sweep
# released its run, whose lease ran out mid-upload), and each send lets go of its own
# claim only, never of the later one.
_sending_here: dict[int, int] = {}
_sending_here_lock = threading.RLock()  # re-entered: a slot's cap check holds it to claim
_claims = itertools.count(1)


def _sending_here_done(token: int) -> None:
    """This send is over: its own claim goes (another claim of the same item stays)."""
    with _sending_here_lock:
        _sending_here.pop(token, None)


def items_sending_here() -> frozenset[int]:
    """The batch items this worker process is sending right now: their runs are a send
    in progress, not one the database broke off (ops runworker's recovery leaves them)."""
    with _sending_here_lock:
        return frozenset(_sending_here.values())


def sends_stop() -> None:
    """The worker stops: sends in progress end (each item then sent or waiting again),
    slots not yet at their moment are cancelled and send nothing. Returns once no send
    thread is left, so the worker's heartbeat can go: nothing it holds is still moving."""
    try:
        _sends.stop(cancel=True, first=_stopping.set)
    finally:
        _stopping.clear()


def sends_reset() -> None:
    """Back to a fresh process (the tests, after each one): the pool drained and gone,
    nothing pending, nothing being sent, storage not known to be away."""
    sends_stop()
    with _slots_lock:
        _slots[0] = 0
    with _sending_here_lock:
        _sending_here.clear()
    _storage_away_until[0] = 0.0


def _claim_next(now: datetime) -> tuple[BatchItem, int] | None:
    """The next waiting item, fairly: people (and teams) take turns (fairness.py), with
    this claim's token. The claim is registered as being sent here until
    `_sending_here_done(token)`."""
    for pk in items_in_turn():
        with _sending_here_lock:
            claimed = BatchItem.objects.filter(pk=pk, state=Item.WAITING).update(
                state=Item.SENDING, claimed_until=now + SENDING_LEASE, claimed_by=worker_current()
            )
            token = next(_claims) if claimed else 0
            if claimed:
                _sending_here[token] = pk
        if claimed:
            try:
                item = BatchItem.objects.select_related(
                    "batch", "batch__definition", "batch__user"
                ).get(pk=pk)
            except BaseException:
                _sending_here_done(token)  # held under its lease: the repair resolves it
                raise
            return item, token
    return None


def batch_choices(batch: Batch, descriptions: dict) -> RunChoices:
    """The batch's shared choices with one item's texts, billed and shared as the batch."""
    shared = RunChoices.from_json(batch.choices, team_id=batch.team_id, visibility=batch.visibility)
    return replace(shared, descriptions={**shared.descriptions, **descriptions})


def _send(item: BatchItem) -> str:
    """Turn one claimed item into a run. Returns "sent", "refused", "slow down",
    "storage away" or "lapsed" (not sent, waiting again)."""
    with translation.override(item.batch.language):  # the words of a refused item
        return _send_in_language(item)


def _send_in_language(item: BatchItem) -> str:
    batch = item.batch
    photos = {_field_name(photo): photo for photo in InputImage.objects.filter(batch_item=item)}
    try:
        run_start(
            user=batch.user,
            definition=batch.definition,
            choices=batch_choices(batch, item.descriptions),
            photos=photos,
            key=item.key,
            batch=batch,
            batch_item=item,
            api_key=batch.api_key,
        )
    except AppUpdated:
        _back_to_waiting(item)
        Batch.objects.filter(pk=batch.pk, state=State.RUNNING).update(
            state=State.PAUSED, pause=Batch.Pause.APP_UPDATED
        )
        return "refused"
    except SpendingStopped as exc:
        # Checked at the moment of spending (budgets.spend_check): the person or the key
        # can no longer spend, or staff withdrew the app.
        _back_to_waiting(item)
        if exc.reason == "app_not_allowed":
            Batch.objects.filter(pk=batch.pk, state=State.RUNNING).update(
                state=State.PAUSED, pause=Batch.Pause.APP_NOT_ALLOWED
            )
        else:
            code = {"inactive": "account_deactivated", "key_revoked": "key_revoked"}
            reason = code.get(exc.reason) or reason_refused(message=exc.message, code=exc.code)
            batches_cancel(batches=Batch.objects.filter(pk=batch.pk), reason=reason)
        return "refused"
    except SubmissionLapsed:
        # The run outlived its lease before anything was sent and the sweep released it:
        # the item is waiting again already (held again), and may be another worker's
        # now. Not refused: it is sent on a later tick.
        _back_to_waiting(item)
        return "lapsed"
    except BudgetExceeded as exc:
        # A monthly budget (lowered since the batch was quoted) cannot pay: this item
        # is refused with the numbers; the account itself is fine.
        _refuse(item, str(exc.message))
        return "refused"
    except SubmitRefused as exc:
        if exc.code == Code.RATE_LIMITED:
            _back_to_waiting(item)
            return "slow down"
        if exc.code == Code.BALANCE_INSUFFICIENT:
            _back_to_waiting(item)
            batches_pause_for_balance()
            return "refused"
        if exc.problems and all(isinstance(v, Said) for v in exc.problems.values()):
            _refuse(item, reason_problems(exc.problems))  # worded when shown, with labels
        else:
            _refuse(item, reason_refused(message=exc.message, code=exc.code))
        return "refused"
    except StorageUnavailable:
        # Our storage could not give a photo back: nothing was sent, the run's row is
        # gone (run_abandon) and the item waits again; this tick ends (A1 is not asked
        # to wait: polls go on), the next one tries again.
        _back_to_waiting(item)
        logger.warning("Batch item %s not sent: our storage is unavailable", item.pk)
        return "storage away"
    except A1Error as exc:
        # Nothing was spent (a definite answer); A1 unreachable or busy: try later.
        _back_to_waiting(item)
        logger.warning("Batch item %s not sent: %s", item.pk, exc)
        return "slow down" if exc.retry_safe or exc.code == Code.RATE_LIMITED else "refused"
    return "sent"


def _field_name(photo: InputImage) -> str:
    return ImageSlot.field_name(photo.form_id, photo.position)


def _back_to_waiting(item: BatchItem) -> None:
    """The run was not started (no row, nothing spent): the item waits again, still held.
    Not if another worker claimed it meanwhile (its send, not ours)."""
    BatchItem.objects.filter(
        pk=item.pk, run__isnull=True, state=Item.SENDING, claimed_by=worker_current()
    ).update(state=Item.WAITING, claimed_until=None)


def _refuse(item: BatchItem, message: str) -> None:
    """The item will not be sent: its hold is released with the refusal.

    Only while it is still this send's: claimed here and either not yet a run (SENDING)
    or put back by this send's own release of its refused run (WAITING, unclaimed). An
    item another worker claimed meanwhile (SENDING under its name) is left alone."""
    ours = Q(state=Item.SENDING) | Q(state=Item.WAITING, claimed_until__isnull=True)
    with transaction.atomic():
        refused = BatchItem.objects.filter(
            ours, pk=item.pk, run__isnull=True, claimed_by=worker_current()
        ).update(state=Item.REFUSED, reason=message[:500], claimed_until=None)
        if refused:
            ledger_release(item_ids=[item.pk])


def _repair_sending(now: datetime, *, held_here: bool = True) -> int:
    """Items left SENDING by a send that never finished: linked to their run if one was
    written (whatever A1 did with it, it is never sent again), else waiting again (a
    run's row and the item's link are written in one transaction before anything is
    sent, so no row means nothing sent). The outcome is looked up, never guessed.

    Whose: a killed worker's (its lease ran out, or it stopped beating), and this
    worker's own (`held_here`): an item it still holds that none of its threads is
    sending (`_sending_here`) belongs to a send that broke off (the database went away
    mid-send: its outcome write was lost), not to one in progress. Items being sent here
    are never touched. Returns how many were repaired."""
    with _sending_here_lock:
        died = Q(claimed_until__lte=now) | held_by_dead(now)  # its lease ran out, or its worker
        if held_here and worker_current():
            died |= Q(claimed_by=worker_current())
        stuck = (
            BatchItem.objects.filter(died, state=Item.SENDING)
            .exclude(pk__in=set(_sending_here.values()))
            .select_related("batch")
        )
        return _repair_items(list(stuck))


def _repair_items(stuck: list[BatchItem]) -> int:
    repaired = 0
    for item in stuck:
        run = Run.objects.filter(user_id=item.batch.user_id, idempotency_key=item.key).first()
        if run is not None:
            repaired += BatchItem.objects.filter(pk=item.pk, state=Item.SENDING).update(
                state=Item.SENT, run=run, claimed_until=None
            )
        else:
            repaired += BatchItem.objects.filter(pk=item.pk, state=Item.SENDING).update(
                state=Item.WAITING, claimed_until=None
            )
    return repaired


def items_release_held(*, now: datetime | None = None) -> int:
    """After a database outage this worker lived through (ops runworker): the items its
    broken-off tick held are resolved now, by looking their runs up, not after
    SENDING_LEASE; the pacer is queued again if its chain broke with the tick."""
    repaired = _repair_sending(now or timezone.now())
    if repaired:
        pace_batches.enqueue()
    return repaired


def batches_take_over(*, now: datetime | None = None) -> bool:
    """The pacer's chain died with its worker (no tick for two poll intervals while items
    wait, and no tick queued): queue it again now. A tick merely late in a busy queue is
    left alone, so a slow queue never fills with spare ticks."""
    now = now or timezone.now()
    # A dead worker's item is resolved here, by the takeover thread (ops runworker), not
    # by the next tick: its tick (and the pacer's chain) died with it.
    if BatchItem.objects.filter(held_by_dead(now), state=Item.SENDING).exists():
        _repair_sending(now, held_here=False)
    slot = Chore.objects.filter(name=SLOT).values_list("next_run", flat=True).first()
    if slot is not None and slot >= now - stale_after():
        return False
    work = Q(state=Item.WAITING, batch__state=State.RUNNING) | Q(state=Item.SENDING)
    if not BatchItem.objects.filter(work).exists():
        return False
    queued = DBTaskResult.objects.filter(
        task_path=pace_batches.module_path, status=TaskResultStatus.READY
    )
    if queued.exists():
        return False
    pace_batches.enqueue()
    return True


def batches_pause_for_balance() -> int:
    """A1 said the account is out of points: every running batch waits for staff."""
    return Batch.objects.filter(state=State.RUNNING).update(
        state=State.PAUSED, pause=Batch.Pause.BALANCE
    )


def batches_resume_after_balance() -> int:
    """Staff topped the account up: batches paused for it carry on."""
    resumed = Batch.objects.filter(state=State.PAUSED, pause=Batch.Pause.BALANCE).update(
        state=State.RUNNING, pause=""
    )
    if resumed:
        pace_batches.enqueue()
    return resumed


def _open_work() -> Q:
    return Q(items__state__in=[Item.WAITING, Item.SENDING, Item.CHECKING]) | Q(
        items__run__state__in=[*RUN_IN_FLIGHT, Run.State.COPYING]
    )


def batch_settle(*, batch_id, now: datetime | None = None) -> bool:
    """Finish one batch if nothing is left to do, telling a script's webhook. True when
    it finished now. The sweep runs this for every batch; the batch page too, on the poll
    that sees the last item end, so that it says "finished" then rather than a sweep later."""
    done = bool(
        Batch.objects.filter(
            pk=batch_id, state__in=[State.RUNNING, State.CANCELLED], finished_at__isnull=True
        )
        .exclude(pk__in=Batch.objects.filter(pk=batch_id).filter(_open_work()).values("pk"))
        .update(state=State.DONE, finished_at=now or timezone.now())
    )
    if done:
        batch = Batch.objects.select_related("api_key").get(pk=batch_id)
        if batch.api_key_id:
            webhooks.batch_ended(batch=batch, progress=batch_progress(batch=batch))
    return done


def batches_settle(*, now: datetime | None = None) -> int:
    """The sweep: finish batches with nothing left to do (telling a script's webhook),
    and keep work moving."""
    now = now or timezone.now()
    finished = list(
        Batch.objects.filter(state__in=[State.RUNNING, State.CANCELLED], finished_at__isnull=True)
        .exclude(_open_work())
        .values_list("pk", flat=True)
    )
    settled = sum(batch_settle(batch_id=pk, now=now) for pk in finished)
    waiting = BatchItem.objects.filter(state=Item.WAITING, batch__state=State.RUNNING).exists()
    slot = Chore.objects.filter(name=SLOT).first()
    stale = slot is None or slot.next_run < now - timedelta(seconds=settings.WORKER_RESUME_GRACE)
    if (waiting or BatchItem.objects.filter(state=Item.SENDING).exists()) and stale:
        pace_batches.enqueue()  # the pacer's chain was lost with a worker
    for batch_id in (
        Batch.objects.filter(items__state=Item.CHECKING)
        .filter(Q(check_claimed_until__isnull=True) | Q(check_claimed_until__lte=now))
        .values_list("pk", flat=True)
        .distinct()
    ):
        check_batch.enqueue(str(batch_id))
    return settled
