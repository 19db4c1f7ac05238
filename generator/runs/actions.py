"""What an owner does with a run: favourite, trash and restore, share, download, remix.

The one owner of these writes: single-run pages, the galleries' bulk bar and the admin
all call them, and each is one targeted UPDATE (the run's queryset moves the gallery
stamps). Moving a run to another team changes who can see it, never who paid for it
(the ledger keeps that).
"""

from __future__ import annotations

from typing import IO

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from common.zips import zip_spool
from generator.audit.models import Act
from generator.audit.record import audit_entry, audit_record_many
from generator.models import InputImage, ResultImage, Run, Team
from generator.runs.inputs import ImageSlot


def runs_favourite(*, runs: QuerySet, favourite: bool) -> int:
    """Mark (or unmark) these runs as favourites; how many."""
    return runs.update(favourite=favourite)


def runs_trash(*, runs: QuerySet) -> list:
    """Move these runs to their owners' trash (kept TRASH_DAYS); the ids that went, so
    an Undo brings back exactly these (runs already in the trash are not among them)."""
    ids = list(runs.filter(deleted_at__isnull=True).values_list("pk", flat=True))
    Run.objects.filter(pk__in=ids).update(deleted_at=timezone.now())
    return ids


def runs_restore(*, runs: QuerySet) -> int:
    """Bring these runs back out of the trash."""
    return runs.filter(deleted_at__isnull=False).update(deleted_at=None)


def runs_share(*, runs: QuerySet, visibility: str, team: Team | None) -> int:
    """Who can see these runs: only their owners, or a team (kept when none is named).
    Never who paid: the ledger keeps that."""
    changes: dict[str, object] = {"visibility": visibility}
    if team is not None:
        changes["team"] = team
    with transaction.atomic():
        before = list(runs.select_related("user", "team"))
        changed = runs.update(**changes)
        audit_record_many(
            [
                audit_entry(
                    act=Act.RUN_SHARED,
                    subject=run.user,
                    team=team or run.team,
                    target=f"run {run.pk}",
                    before={"visibility": run.visibility, "team": run.team_id},
                    after={
                        "visibility": visibility,
                        "team": team.pk if team is not None else run.team_id,
                    },
                )
                for run in before
                if run.visibility != visibility or (team is not None and team.pk != run.team_id)
            ]
        )
    return changed


def runs_hide(*, runs: QuerySet, hidden: bool) -> int:
    """Staff hide runs from everyone but staff (RunQuerySet.shown), or show them."""
    with transaction.atomic():
        changing = list(runs.exclude(hidden=hidden).select_related("user", "team"))
        changed = Run.objects.filter(pk__in=[run.pk for run in changing]).update(hidden=hidden)
        audit_record_many(
            [
                audit_entry(
                    act=Act.RUN_HIDDEN if hidden else Act.RUN_UNHIDDEN,
                    subject=run.user,
                    team=run.team,
                    target=f"run {run.pk}",
                    before={"hidden": not hidden},
                    after={"hidden": hidden},
                )
                for run in changing
            ]
        )
    return changed


def run_favourite(*, run: Run, favourite: bool) -> None:
    runs_favourite(runs=Run.objects.filter(pk=run.pk), favourite=favourite)
    run.favourite = favourite


def run_delete(*, run: Run) -> None:
    """Soft delete: gone for the user and their team; in the owner's trash for TRASH_DAYS."""
    runs_trash(runs=Run.objects.filter(pk=run.pk))


def run_restore(*, user, run: Run) -> bool:
    """Back out of the owner's trash; False when it is no longer restorable."""
    restored = runs_restore(runs=Run.objects.in_trash(user).filter(pk=run.pk))
    if restored:
        run.deleted_at = None
    return bool(restored)


def run_share(*, run: Run, visibility: str, team: Team | None) -> None:
    runs_share(runs=Run.objects.filter(pk=run.pk), visibility=visibility, team=team)


def search_text_for(*, app_name: str, params: dict) -> str:
    words = [app_name] + [d.get("value", "") for d in params.get("description") or []]
    for key in ("style", "size"):
        if params.get(key):
            words.append(params[key].get("name") or params[key].get("label") or "")
    return " ".join(w for w in words if w)[:2000]


def run_zip(*, run: Run) -> tuple[str, IO[bytes]]:
    """All saved results of a run in one ZIP: (file name, open temporary file)
    for the response to stream and close (memory stays flat whatever the run's size).
    A run hidden or trashed since it was looked up gives an empty ZIP."""
    entries = (
        (f"{result.download_name}{result.suffix}", result.file)
        for result in ResultImage.objects.shown().filter(run=run).select_related("run")
        if result.file
    )
    return f"{slugify(run.app_name) or 'a1'}-{str(run.id)[:8]}.zip", zip_spool(entries)


def remix_photos(*, user, run: Run) -> dict[str, InputImage]:
    """The run's photos the user may reuse, by form field name. Nothing is written:
    the remixer's own rows are made when the remix is submitted."""
    photos = InputImage.objects.visible_to(user).shown().filter(run=run)
    return {ImageSlot.field_name(image.form_id, image.position): image for image in photos}


def remix_initial(*, run: Run) -> dict:
    """The run's choices as initial values of the app form."""
    params = run.params or {}
    initial = {"generate_num": params.get("generate_num", run.generate_num)}
    for item in params.get("description") or []:
        initial[f"desc_{item['id']}"] = item["value"]
    for key in ("style", "size"):
        if params.get(key):
            initial[key] = params[key]["id"]
    return initial
