"""Erasing a person (GDPR article 17): no row and no file of theirs is left.

First the photos, by the ownership rule (services/photo_owners.py): every row of the
photos they gave, the copies teammates made in remixes and batches too, and their own
rows that refer to photos others gave (those photos stay with their givers). Then their
runs with their results (runs they shared with a team too), then every other row that
points at them, found by walking the user model's relations so a model added later (API
keys, say) is covered without being listed here. What their runs cost stays, without
their name (in the ledger), so their teams' monthly totals do not change. A file is
deleted, through the storage API on local disk and S3 alike, once no row refers to it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _

from generator.audit.models import Act
from generator.audit.record import audit_entry, audit_forget, pseudonym_of
from generator.files.queue import files_release, files_remove_pending, remove_pending_files
from generator.models import FileRemoval, GalleryStamp, InputImage, Membership, ResultImage, Run
from generator.money.ledger import ledger_forget
from generator.money.spending import person_deactivate
from generator.runs.photo_owners import photos_given, photos_leaving
from generator.runs.removal import Removed, admin_log_forget, photos_remove, runs_remove
from lifecycle.models import RemovalLog

BATCH = 500
# Files deleted while the person waits; any beyond are left to the worker (queued).
INLINE_FILES = 2_000


class ErasureRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ErasureSummary:
    """What erasing a person removes, for the confirmation."""

    runs: int
    shared: int
    photos: int
    results: int
    teams: list[str]
    # Other rows that point at them, by kind: memberships, invites, API keys...
    other: dict[str, int] = field(default_factory=dict)


def _user_relations():
    """Every relation from another model to the user model (reverse FKs and one-to-ones)."""
    return [
        rel
        for rel in get_user_model()._meta.related_objects
        if not rel.many_to_many and rel.field.concrete
    ]


def erasure_summary(*, user) -> ErasureSummary:
    runs = Run.objects.filter(user=user)
    other: dict[str, int] = {}
    for rel in _user_relations():
        shown_above = (Run, InputImage, Membership)
        if rel.related_model in shown_above or rel.on_delete is not models.CASCADE:
            continue
        count = rel.related_model._default_manager.filter(**{rel.field.name: user}).count()
        if count:
            name = rel.related_model._meta.verbose_name_plural
            other[str(name)] = other.get(str(name), 0) + count
    return ErasureSummary(
        runs=runs.count(),
        shared=runs.filter(visibility=Run.Visibility.TEAM, team__isnull=False).count(),
        photos=photos_given(person=user),
        results=ResultImage.objects.filter(run__user=user).count(),
        teams=list(user.teams.order_by("name").values_list("name", flat=True)),
        other=other,
    )


def erasure_blockers(*, user) -> list[str]:
    """Rows that refuse to go with the person (a relation declared PROTECT or RESTRICT
    that erasure does not know how to remove): erasure stops before it starts."""
    blocking = []
    for rel in _user_relations():
        if rel.related_model is Run:
            continue  # removed first, run by run, with their files and spending
        refuses = rel.on_delete in (models.PROTECT, models.RESTRICT)
        if refuses and rel.related_model._default_manager.filter(**{rel.field.name: user}).exists():
            blocking.append(str(rel.related_model._meta.verbose_name_plural))
    return blocking


def user_erase(*, user, by=None, batch: int = BATCH) -> RemovalLog:
    """Erase `user` and everything of theirs. `by`: the staff member doing it, if not them.

    Safe to run again after being stopped halfway: the person is locked out first, and
    each step removes what is left.
    """
    blockers = erasure_blockers(user=user)
    if blockers:
        raise ErasureRefused(
            _("This account cannot be erased yet: %(what)s still refer to it.")
            % {"what": ", ".join(blockers)}
        )
    started, now = time.monotonic(), timezone.now()
    tally, longest = Removed(), 0.0
    # Locked out at once: no log-in, no new run, no batch item sent while the rest goes.
    person_deactivate(user=user)
    tally.add("sessions", sessions_end(user=user))

    def timed(step):
        nonlocal longest
        began = time.monotonic()
        removed = step()
        longest = max(longest, time.monotonic() - began)
        tally.merge(removed)
        return removed.total

    shared = Run.objects.filter(
        user=user, visibility=Run.Visibility.TEAM, team__isnull=False
    ).count()
    # First the photos, as the ownership rule says: what they gave, with the copies
    # others made of it (a teammate's remix then says its photos were removed), and their
    # own references to what others gave (the givers keep theirs). A file goes with the
    # last row that refers to it, so a rerun after a stop finds the rest by giver.
    while timed(
        lambda: photos_remove(photos=photos_leaving(person=user), now=now, limit=batch, wait=True)
    ):
        pass
    while timed(
        lambda: runs_remove(
            ids=Run.objects.filter(user=user).values_list("pk", flat=True)[:batch],
            wait=True,
        )
    ):
        pass
    tally.add("shared runs", shared)
    ledger_forget(user=user)  # what they spent stays counted, no longer theirs
    timed(lambda: _account_remove(user=user, by=by, counts=dict(tally.counts)))
    log = RemovalLog.objects.create(
        job=RemovalLog.Job.ERASURE,
        started_at=now,
        by_staff=by if by is not None and by.pk != user.pk else None,
        counts=dict(tally.counts),
        longest_batch_ms=round(longest * 1000),
    )
    files = _files_remove_now()
    if FileRemoval.objects.exists():
        remove_pending_files.enqueue()
    tally.add("files", files)
    RemovalLog.objects.filter(pk=log.pk).update(
        counts=dict(tally.counts),
        finished_at=now + timedelta(seconds=time.monotonic() - started),
    )
    log.refresh_from_db()
    return log


def _account_remove(*, user, by, counts: dict) -> Removed:
    """The person's row and every row that points at it, with the files of those rows.

    The audit log keeps its entries, the person in them replaced by a pseudonym, and
    gains one saying what was erased (never who, and never by whom when they did it
    themselves)."""
    removed = Removed()
    with transaction.atomic():
        audit_forget(user=user)
        by_staff = by is not None and by.pk != user.pk
        erased = audit_entry(
            act=Act.PERSON_ERASED,
            actor=by if by_staff else user,
            subject_name=pseudonym_of(user.pk),
            after={"removed": counts},
        )
        if not by_staff:  # they erased themselves: the entry names nobody
            erased.actor, erased.actor_name = None, pseudonym_of(user.pk)
        erased.save()
        collector = Collector(using="default", origin=user)
        collector.collect([user])
        names: set[str] = set()
        for model, instances in collector.data.items():
            for name in _file_field_names(model):
                names.update(getattr(obj, name).name for obj in instances)
        for queryset in collector.fast_deletes:
            for name in _file_field_names(queryset.model):
                names.update(queryset.values_list(name, flat=True))
        admin_log_forget(model=get_user_model(), ids=[user.pk])
        # Their teams' pages list them as members until now (the cascade below does
        # not go through the run or team services that move the gallery stamps).
        teams = Membership.objects.filter(user=user).values_list("team_id", flat=True)
        GalleryStamp.objects.bump(teams=list(teams))
        _, per_model = user.delete()
        for label, count in per_model.items():
            if label != get_user_model()._meta.label:
                removed.add(label, count)
        removed.add("accounts", 1)
        files_release(names)
    return removed


def _file_field_names(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _files_remove_now() -> int:
    removed = 0
    while removed < INLINE_FILES and (n := files_remove_pending()):
        removed += n
    return removed


def sessions_end(*, user) -> int:
    """Delete the person's sessions, expired ones too (each holds their id)."""
    ended = []
    for session in Session.objects.iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            ended.append(session.pk)
    return Session.objects.filter(pk__in=ended).delete()[0]
