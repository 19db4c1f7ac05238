"""Writing the audit log: one function per verb, called by the service that does the
act, inside the act's own transaction (so an act that rolls back leaves no entry, and
every surface that calls the service, the admin included, is covered)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import models

from generator.audit.models import AuditEntry
from generator.audit.origin import origin_current


def pseudonym_of(user_id: int) -> str:
    """A stable name for an erased person: the same person always gets the same one, and
    it cannot be turned back into who they were without the site's secret key."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"audit-person:{user_id}".encode(), hashlib.sha256
    )
    return "person-" + digest.hexdigest()[:10]


def _name(user) -> str:
    return user.get_username() if user is not None else ""


def plain(value):
    """A value as JSON keeps it: model instances by their primary key."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return str(value)


def audit_entry(
    *,
    act: str,
    target: str = "",
    subject=None,
    subject_name: str | None = None,
    team=None,
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
) -> AuditEntry:
    """One entry, not yet saved: who and from where come from the request in hand (or
    `actor` when a service knows better, e.g. staff acting in the admin)."""
    origin = origin_current()
    who = actor if actor is not None else origin.actor()
    return AuditEntry(
        act=act,
        actor=who,
        actor_name=_name(who),
        via=origin.via,
        address=origin.address,
        key_prefix=origin.key_prefix,
        subject=subject,
        subject_name=_name(subject) if subject_name is None else subject_name,
        team=team,
        team_name=team.name if team is not None else "",
        target=target[:200],
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None,
    )


def audit_record(**entry) -> AuditEntry:
    """Add one entry (keyword arguments as audit_entry's)."""
    record = audit_entry(**entry)
    record.save()
    return record


def audit_record_many(entries: list[AuditEntry]) -> int:
    """Add entries made by audit_entry in one write (a bulk act: one entry per thing)."""
    return len(AuditEntry.objects.bulk_create(entries))


ERASED = "(erased)"


# Fields whose values a person chose or that name them; the rest (roles, visibility,
# points, yes/no, ids) say what changed without saying who.
PERSONAL = {"name", "username", "email", "first_name", "last_name", "webhook_url"}


def _scrubbed(value: dict | None) -> dict | None:
    if value is None:
        return None
    return {k: ERASED if k in PERSONAL and v else v for k, v in value.items()}


def audit_forget(*, user) -> int:
    """Erasure: the person's entries stay, with the person replaced by their pseudonym,
    the address they acted from dropped, and the text of entries about them scrubbed."""
    name = pseudonym_of(user.pk)
    acted = AuditEntry.objects.filter(actor=user).update(actor=None, actor_name=name, address=None)
    about = list(AuditEntry.objects.filter(subject=user))
    for entry in about:
        entry.subject, entry.subject_name, entry.target = None, name, ERASED
        entry.before, entry.after = _scrubbed(entry.before), _scrubbed(entry.after)
    AuditEntry.objects.bulk_update(
        about, ["subject", "subject_name", "target", "before", "after"], batch_size=500
    )
    return acted + len(about)
