"""Personal API keys: made, found by their secret, limited, touched and revoked.

A key is shown once, when it is made; only its SHA-256 digest is kept. Every request
that carries one looks it up again, so a revoked key stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common.ratelimits import rate_take
from generator.audit.models import Act
from generator.audit.origin import origin_note_key
from generator.audit.record import audit_entry, audit_record, audit_record_many
from generator.models import ApiKey, Batch, Run
from generator.money.ledger import points_used
from generator.runs.holds import batches_cancel

TOKEN_PREFIX = "a1s_"  # noqa: S105 -- the visible start of every key, not a secret
VISIBLE = 12  # "a1s_" and 8 characters of the secret: enough to tell keys apart
TOUCH_EVERY = timedelta(minutes=1)
# Any text a script sends as Idempotency-Key names one run: UUIDs are used as they are,
# anything else is mapped to a UUID under this namespace.
IDEMPOTENCY_NAMESPACE = uuid.UUID("5a0f3c1e-9b7d-4e2a-8c61-a1a1a1a1a114")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def key_create(
    *, user, name: str, monthly_points: int | None = None, webhook_url: str = ""
) -> tuple[ApiKey, str]:
    """A new key for `user`; returns the row and the secret, which is never shown again.
    Raises KeyLimitReached when they already have KEYS_PER_PERSON active keys."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        # Locked, so two requests at once cannot both make the last key allowed.
        get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()
        if ApiKey.objects.active().filter(user=user).count() >= settings.KEYS_PER_PERSON:
            raise KeyLimitReached(
                _(
                    "You have %(n)d active keys, as many as a person may have. Revoke one "
                    "you no longer use, then make this one."
                )
                % {"n": settings.KEYS_PER_PERSON}
            )
        key = ApiKey.objects.create(
            user=user,
            name=name.strip()[:100],
            prefix=token[:VISIBLE],
            digest=_digest(token),
            monthly_points=monthly_points,
            webhook_url=webhook_url,
            webhook_secret=secrets.token_hex(32) if webhook_url else "",
        )
        audit_record(act=Act.KEY_CREATED, subject=user, target=_named(key), after=key_audited(key))
    return key, token


def _named(key: ApiKey) -> str:
    return f"{key.prefix}… {key.name}"


def key_audited(key: ApiKey) -> dict:
    """What the audit log keeps of a key: never its secret or its webhook's secret."""
    return {
        "name": key.name,
        "monthly_points": key.monthly_points,
        "webhook_url": key.webhook_url,
    }


def key_update(*, key: ApiKey, name: str, monthly_points: int | None, webhook_url: str) -> ApiKey:
    """Rename a key, change its budget or its webhook (a first webhook gets a secret)."""
    before = key_audited(key)
    key.name, key.monthly_points, key.webhook_url = name.strip()[:100], monthly_points, webhook_url
    fields = ["name", "monthly_points", "webhook_url"]
    if webhook_url and not key.webhook_secret:
        key.webhook_secret = secrets.token_hex(32)
        fields.append("webhook_secret")
    with transaction.atomic():
        key.save(update_fields=fields)
        _key_changed_record(key=key, before=before)
    return key


def _key_changed_record(*, key: ApiKey, before: dict) -> None:
    """The audit entry for a change to a key (from its page, the API or the admin)."""
    after = key_audited(key)
    changed = {field for field in after if after[field] != before.get(field)}
    if changed:
        audit_record(
            act=Act.KEY_CHANGED,
            subject=key.user,
            target=_named(key),
            before={f: before.get(f) for f in sorted(changed)},
            after={f: after[f] for f in sorted(changed)},
        )


def key_revoke(*, key: ApiKey, by) -> bool:
    """Stop the key for good; False if it was already revoked."""
    revoked = keys_revoke(keys=ApiKey.objects.filter(pk=key.pk), by=by)
    key.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return bool(revoked)


def keys_revoke(*, keys: QuerySet[ApiKey], by) -> int:
    """Revoke these keys, and in the same transaction cancel the items not yet sent of
    every batch they started, releasing their holds: a revoked key spends nothing more
    (budgets.spend_check locks and reads the key's row at every spend)."""
    with transaction.atomic():
        ids = list(keys.filter(revoked_at__isnull=True).values_list("pk", flat=True))
        revoked = ApiKey.objects.filter(pk__in=ids, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by
        )
        audit_record_many(
            [
                audit_entry(act=Act.KEY_REVOKED, subject=key.user, target=_named(key), actor=by)
                for key in ApiKey.objects.filter(pk__in=ids).select_related("user")
            ]
        )
        batches_cancel(
            batches=Batch.objects.filter(api_key__in=ids),
            reason="key_revoked",
        )
    return revoked


class KeyRefused(Exception):
    """No usable key: `missing` when none was sent, else unknown or revoked."""

    def __init__(self, *, missing: bool):
        super().__init__("missing API key" if missing else "invalid API key")
        self.missing = missing


class KeyLimitReached(Exception):
    """The person has as many active keys as a person may (KEYS_PER_PERSON)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def person_rate_take(*, user_id: int) -> None:
    """Count one call to the REST API or the gateway against the person's rate, whatever
    key (or browser session) made it: more keys never buy more calls. Raises
    KeyRateLimited with the seconds to wait."""
    wait = rate_take(bucket=f"person:{user_id}")
    if wait:
        raise KeyRateLimited(wait)


class KeyRateLimited(Exception):
    def __init__(self, retry_after: float):
        super().__init__(f"rate limited; retry after {retry_after:.1f}s")
        self.retry_after = retry_after


def key_authenticate(*, token: str) -> ApiKey:
    """The active key with this secret, counted against its rate limit and marked used.

    Raises KeyRefused (none, unknown, revoked, or its owner deactivated) or
    KeyRateLimited (with the seconds to wait).
    """
    token = (token or "").strip()
    if not token:
        raise KeyRefused(missing=True)
    key = ApiKey.objects.active().select_related("user").filter(digest=_digest(token)).first()
    if key is None:
        raise KeyRefused(missing=False)
    origin_note_key(prefix=key.prefix)
    person_rate_take(user_id=key.user_id)
    now = timezone.now()
    # One write a minute at most, however busy the key: last use is for people to read.
    if key.last_used_at is None or key.last_used_at < now - TOUCH_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def keys_of(*, user) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user=user).order_by("revoked_at", "-created")


@dataclass
class KeyUse:
    key: ApiKey
    points_this_month: int
    runs: int


def keys_use(*, user) -> list[KeyUse]:
    """Each of the user's keys with the points it used this month (the ledger's)."""
    return [
        KeyUse(key, points_used(api_key=key), Run.objects.filter(api_key=key).count())
        for key in keys_of(user=user)
    ]


def idempotency_key_from(header: str) -> uuid.UUID:
    """The run key for a request's Idempotency-Key header (a fresh one when absent).

    Raises ValueError for a header longer than 255 characters.
    """
    header = (header or "").strip()
    if not header:
        return uuid.uuid4()
    if len(header) > 255:
        raise ValueError("Idempotency-Key is longer than 255 characters")
    try:
        return uuid.UUID(header)
    except ValueError:
        return uuid.uuid5(IDEMPOTENCY_NAMESPACE, header)
