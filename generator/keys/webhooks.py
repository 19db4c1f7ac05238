"""Signed webhooks: a key's URL is told when a run or a batch started with that key ends.

Each event is a WebhookDelivery row (the database is the memory), posted by the
worker and retried with growing waits until the receiver answers 2xx or the tries run
out. The body is signed with the key's webhook secret: the `A1Studio-Signature` header
carries `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`, so a receiver can check
both who sent it and that it is fresh. The URL is called under the image-link rule
(common.image_links): no private or local addresses.

Each try reads the key again: it goes to the webhook URL the key has at that moment (a
URL replaced since the event was queued is told nothing; the delivery records where it
went), and the delivery stops for good once the key is revoked, its owner deactivated
or its webhook removed. A run hidden by staff or trashed since is told without its
images (RunQuerySet.shown).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone

from common import metrics
from common.image_links import post_to_link
from common.images import ImageRejected
from common.tracing import traced_job
from generator.models import ApiKey, Batch, Run, WebhookDelivery
from generator.runs.summaries import batch_json, run_json

logger = logging.getLogger(__name__)

RUN_EVENTS: dict[str, str] = {Run.State.COMPLETED: "run.completed", Run.State.FAILED: "run.failed"}
FIRST_RETRY = 10  # seconds; then x3 each time, at most an hour
MAX_RETRY = 3600
LOST_AFTER = timedelta(minutes=2)  # a claimed delivery whose job died is taken up again


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 a receiver recomputes to check a delivery."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_send(
    *,
    api_key: ApiKey,
    event: str,
    payload: dict,
    run: Run | None = None,
    batch: Batch | None = None,
) -> WebhookDelivery | None:
    """Queue one event for the key's webhook (none set, or the key revoked: nothing).

    A run or a batch sends each event once: a second call finds the first.
    """
    if not api_key.webhook_url or api_key.revoked:
        return None
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                api_key=api_key,
                run=run,
                batch=batch,
                event=event,
                url=api_key.webhook_url,
                payload={"event": event, **payload},
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None
    pk = str(delivery.pk)
    transaction.on_commit(lambda: deliver_webhook.enqueue(pk))
    return delivery


def run_ended(*, run_id) -> WebhookDelivery | None:
    """Tell the key's webhook that its run ended (nothing if it has not, has no key or
    webhook, or was told already: the delivery is unique per run and event)."""
    run = (
        Run.objects.select_related("api_key", "user")
        .filter(pk=run_id, api_key__isnull=False)
        .first()
    )
    if run is None or run.api_key is None or run.state not in RUN_EVENTS:
        return None
    if run.batch_id is not None:
        return None  # a batch tells its webhook once, when the whole batch ends
    return webhook_send(
        api_key=run.api_key,
        event=RUN_EVENTS[run.state],
        payload={"run": run_json(run, base=settings.SITE_URL)},
        run=run,
    )


def batch_ended(*, batch: Batch, progress) -> WebhookDelivery | None:
    """Tell the key's webhook that its batch ended (once), with its counts and items."""
    if batch.api_key is None:
        return None
    return webhook_send(
        api_key=batch.api_key,
        event="batch.finished",
        payload={"batch": batch_json(batch, progress=progress, base=settings.SITE_URL)},
        batch=batch,
    )


@task()
@traced_job
def deliver_webhook(delivery_id: str) -> None:
    """One try; the next is queued for when it is due."""
    next_at = webhook_deliver(delivery_id=delivery_id)
    if next_at is not None:
        deliver_webhook.using(run_after=next_at).enqueue(delivery_id)


def retry_wait(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY * 3 ** (attempts - 1), MAX_RETRY))


def webhook_deliver(*, delivery_id, now: datetime | None = None) -> datetime | None:
    """Post the delivery if it is due (claimed by a conditional UPDATE, so two jobs never
    post it at once); returns when to try again, or None when done or not ours."""
    now = now or timezone.now()
    pending = WebhookDelivery.objects.filter(
        pk=delivery_id, delivered_at__isnull=True, given_up_at__isnull=True
    )
    claimed = pending.filter(next_attempt_at__lte=now).update(
        next_attempt_at=now + LOST_AFTER, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("api_key__user").get(pk=delivery_id)
    key = delivery.api_key
    stopped = _stopped_because(key)
    if stopped:
        pending.update(given_up_at=timezone.now(), last_status=None, last_error=stopped)
        logger.info("Webhook %s stopped: %s", delivery.pk, stopped)
        return None
    if delivery.url != key.webhook_url:
        pending.update(url=key.webhook_url)  # where it goes from now on, for the record
    payload = _payload_now(delivery)
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    stamp = int(time.time())
    signed = signature(secret=key.webhook_secret, timestamp=stamp, body=body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "A1Studio-Webhook/1",
        "A1Studio-Event": delivery.event,
        "A1Studio-Delivery": str(delivery.pk),
        "A1Studio-Signature": f"t={stamp},v1={signed}",
    }
    status, error, final = None, "", False
    try:
        status = post_to_link(
            key.webhook_url, data=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT
        )
    except ImageRejected as exc:
        error, final = str(exc), True  # the address is not allowed: trying again won't help
    except requests.RequestException as exc:
        error = f"no answer: {type(exc).__name__}"
    if status is not None and 200 <= status < 300:
        pending.update(delivered_at=timezone.now(), last_status=status, last_error="")
        metrics.webhook_deliveries.labels("delivered").inc()
        return None
    if status is not None:
        error = f"answered HTTP {status}"
    if final or delivery.attempts >= settings.WEBHOOK_ATTEMPTS:
        pending.update(given_up_at=timezone.now(), last_status=status, last_error=error[:300])
        metrics.webhook_deliveries.labels("given_up").inc()
        logger.warning(
            "Webhook %s given up after %d tries: %s", delivery.pk, delivery.attempts, error
        )
        return None
    next_at = now + retry_wait(delivery.attempts)
    pending.update(next_attempt_at=next_at, last_status=status, last_error=error[:300])
    metrics.webhook_deliveries.labels("retrying").inc()
    logger.info("Webhook %s failed (%s); next try at %s", delivery.pk, error, next_at)
    return next_at


def _stopped_because(key: ApiKey) -> str:
    """Why the key's deliveries stop for good (empty: they go on)."""
    if key.revoked:
        return "the key was revoked"
    if not key.user.is_active:
        return "the key's owner was deactivated"
    if not key.webhook_url:
        return "the key has no webhook any more"
    return ""


def _payload_now(delivery: WebhookDelivery) -> dict:
    """The queued payload, less the images of a run hidden or trashed since it was queued."""
    payload = delivery.payload
    if delivery.run_id is None or "run" not in payload:
        return payload
    shown = Run.objects.shown().filter(pk=delivery.run_id).exists()
    return payload if shown else {**payload, "run": {**payload["run"], "results": []}}


@task()
@traced_job
def resume_webhooks() -> int:
    """The minute chore."""
    return webhooks_resume()


def webhooks_resume() -> int:
    """Re-queue deliveries whose job was lost (a worker died); how many."""
    lost = WebhookDelivery.objects.filter(
        Q(next_attempt_at__lte=timezone.now() - LOST_AFTER),
        delivered_at__isnull=True,
        given_up_at__isnull=True,
    ).values_list("pk", flat=True)[:500]
    for pk in lost:
        deliver_webhook.enqueue(str(pk))
    return len(lost)
