"""A person's data in one ZIP: their account, their runs, their photos and results.

What a person may ask for (GDPR articles 15 and 20). The worker builds the archive
into a temporary file, a file at a time, and stores it through the storage API (local
folder or S3 alike); the person downloads it from their account page until the link
expires (EXPORT_KEEP_HOURS), after which the retention job removes it.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import zipfile
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, QuerySet
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.tracing import traced_job
from generator.audit.models import Act
from generator.audit.record import audit_record
from generator.files.queue import files_release
from generator.models import (
    ApiKey,
    AppVisit,
    Batch,
    Budget,
    InputImage,
    Membership,
    Preferences,
    Run,
    Team,
)
from generator.money.ledger import billing_of
from generator.runs.removal import Removed
from library.models import Preset
from lifecycle.models import DataExport

logger = logging.getLogger(__name__)

State = DataExport.State
STUCK_AFTER = timedelta(days=1)  # a build that long was lost with its worker


def export_request(*, user, requested_by, language: str = "en") -> DataExport:
    """Queue an export of `user`'s data; an unfinished one asked by the same person is
    returned instead of a second."""
    pending = DataExport.objects.filter(
        user=user, requested_by=requested_by, state__in=(State.QUEUED, State.BUILDING)
    ).first()
    if pending is not None:
        return pending
    with transaction.atomic():
        export = DataExport.objects.create(user=user, requested_by=requested_by, language=language)
        audit_record(
            act=Act.EXPORT_CREATED, actor=requested_by, subject=user, target=f"export {export.pk}"
        )
    transaction.on_commit(build_exports.enqueue)
    return export


@task()
@traced_job
def build_exports() -> int:
    """Build every queued export. Takes no arguments, so the job's own record names nobody."""
    return exports_build_queued()


def exports_build_queued() -> int:
    """Claim and build queued exports one by one until none is left; how many."""
    built = 0
    while (export := export_claim()) is not None:
        export_build(export=export)
        built += 1
    return built


def export_claim() -> DataExport | None:
    """The oldest queued export, claimed by a conditional UPDATE (one worker builds it)."""
    while True:
        pk = (
            DataExport.objects.filter(state=State.QUEUED)
            .order_by("created")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            return None
        if DataExport.objects.filter(pk=pk, state=State.QUEUED).update(state=State.BUILDING):
            return DataExport.objects.select_related("user").get(pk=pk)


def export_build(*, export: DataExport, now: datetime | None = None) -> DataExport:
    """Write the ZIP to a temporary file, store it, and mark the export ready."""
    with tempfile.TemporaryFile(suffix=".zip") as spool:
        try:
            with translation.override(export.language):
                runs = _write_archive(spool, export.user, now or timezone.now())
            size = spool.tell()
            spool.seek(0)
            export.file.save(f"{export.id}.zip", File(spool), save=False)
        except Exception:
            logger.exception("Data export %s failed", export.pk)
            DataExport.objects.filter(pk=export.pk, state=State.BUILDING).update(state=State.FAILED)
            if export.file:
                export.file.storage.delete(export.file.name or "")
            export.refresh_from_db()
            return export
    ready = now or timezone.now()
    done = DataExport.objects.filter(pk=export.pk, state=State.BUILDING).update(
        state=State.READY,
        file=export.file.name,
        byte_size=size,
        runs=runs,
        ready_at=ready,
        expires_at=ready + timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    if not done:
        # The export (or its person) was removed while it was being built: keep nothing.
        export.file.storage.delete(export.file.name or "")
        return export
    export.refresh_from_db()
    return export


def exports_ready(*, user, now: datetime | None = None) -> QuerySet:
    """The person's own exports that are ready and not yet downloaded."""
    return DataExport.objects.filter(
        user=user,
        requested_by=user,
        state=State.READY,
        downloaded_at__isnull=True,
        expires_at__gt=now or timezone.now(),
    )


def export_page_token_sql() -> str:
    """The export notice's part of a kept gallery page's token (galleries.pages): the
    same conditions as `exports_ready`, in SQL, since it runs on every gallery request."""
    table = DataExport._meta.db_table
    return f"""
        SELECT 'export', CAST(id AS TEXT) FROM {table}
            WHERE user_id = %s AND requested_by_id = %s AND state = %s
            AND downloaded_at IS NULL AND expires_at > %s
    """  # noqa: S608


def export_page_token_params(user_id: int, now) -> list:
    return [user_id, user_id, State.READY, now]


def export_ready_for(*, user, now: datetime | None = None) -> DataExport | None:
    """The newest of them: the site's notice."""
    return exports_ready(user=user, now=now).order_by("-created").first()


def exports_of(*, user, now: datetime | None = None):
    """The exports a person asked for that are not yet removed, newest first."""
    return DataExport.objects.filter(user=user, requested_by=user).exclude(
        expires_at__lte=now or timezone.now()
    )


def export_downloaded(*, export: DataExport) -> None:
    """Every download goes in the audit log (the first also stamps the export)."""
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk, downloaded_at__isnull=True).update(
            downloaded_at=timezone.now()
        )
        audit_record(act=Act.EXPORT_DOWNLOADED, subject=export.user, target=f"export {export.pk}")


def exports_stale(*, now: datetime):
    """Exports whose link expired, failed ones, and builds lost with their worker."""
    return DataExport.objects.filter(
        Q(expires_at__lt=now)
        | Q(state=State.FAILED, created__lt=now - timedelta(hours=settings.EXPORT_KEEP_HOURS))
        | Q(state__in=(State.QUEUED, State.BUILDING), created__lt=now - STUCK_AFTER)
    )


def exports_remove(*, exports) -> Removed:
    """Delete these exports' rows and queue their files, in one transaction."""
    removed = Removed()
    with transaction.atomic():
        rows = list(exports.select_for_update(skip_locked=True).values_list("pk", "file"))
        if not rows:
            return removed
        DataExport.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
        files_release(name for _, name in rows)
    removed.add("exports", len(rows))
    return removed


# --- the archive ---------------------------------------------------------------------


def _readme(user, now: datetime) -> str:
    return "\n\n".join(
        [
            _("The data A1 Studio keeps about %(name)s, as of %(when)s.")
            % {"name": user.get_username(), "when": now.strftime("%Y-%m-%d %H:%M UTC")},
            _(
                "account.json: your account, your teams, your settings and the apps you opened.\n"
                "runs.json: every run you started, with what you chose, its state and its points; "
                "runs in the trash or hidden by staff are listed and marked, without their "
                "images.\n"
                "photos/: the photos you gave that are still kept.\n"
                "results/: the images A1 made for you that are still kept."
            ),
            _(
                "Runs your teammates shared with you are theirs and are not included. "
                "Photos and images removed under the portal's retention rules are listed "
                "in runs.json with the date they were removed."
            ),
        ]
    )


def _account(user) -> dict:
    preferences = Preferences.objects.filter(user=user).select_related("default_team").first()
    budget = Budget.objects.filter(user=user).first()
    # The profile is accounts', which sits to the right of lifecycle: read through the
    # account's relation, never imported. None until the person chose anything.
    profile = getattr(user, "profile", None)
    return {
        "username": user.get_username(),
        "email": user.email,
        "profile": {
            "display_name": profile.display_name,
            "time_zone": profile.time_zone or None,
            "interface_language": profile.language or None,
        }
        if profile
        else None,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "teams": [
            {"name": m.team.name, "role": m.role, "joined": m.joined}
            for m in Membership.objects.filter(user=user).select_related("team")
        ],
        "preferences": {
            "share_new_runs_with": preferences.default_visibility,
            "default_team": preferences.default_team.name if preferences.default_team else None,
        }
        if preferences
        else None,
        "monthly_points_budget": budget.monthly_points if budget else None,
        "apps_opened": [
            {"app_id": v.app_id, "last_opened": v.last_opened}
            for v in AppVisit.objects.filter(user=user).order_by("-last_opened")
        ],
        # Never the secret (only its digest is kept): what identifies the key to its owner.
        "api_keys": [
            {
                "name": k.name,
                "prefix": k.prefix,
                "created": k.created,
                "last_used": k.last_used_at,
                "revoked": k.revoked_at,
                "monthly_points": k.monthly_points,
                "webhook_url": k.webhook_url or None,
            }
            for k in ApiKey.objects.filter(user=user).order_by("created")
        ],
        "presets": [
            {"name": p.name, "app_id": p.app_id, "team": p.team.name if p.team else None}
            for p in Preset.objects.filter(owner=user).select_related("team")
        ],
        "batches": [
            {"id": str(b.pk), "app_id": b.app_id, "state": b.state, "created": b.created}
            for b in Batch.objects.filter(user=user).order_by("created")
        ],
    }


class _Archive:
    """Writes stored files into the ZIP once each, streaming (never a whole file in memory)."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.written: dict[str, str | None] = {}

    def add(self, field, arcname: str) -> str | None:
        """Copy the stored file into the archive; its name there, or None if it is missing."""
        if not field:
            return None
        if field.name in self.written:
            return self.written[field.name]
        try:
            with (
                field.storage.open(field.name, "rb") as source,
                self.archive.open(arcname, "w", force_zip64=True) as target,
            ):
                shutil.copyfileobj(source, target, 1024 * 1024)
            self.written[field.name] = arcname
        except FileNotFoundError:
            self.written[field.name] = None
        return self.written[field.name]


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _photo(files: _Archive, image: InputImage) -> dict:
    return {
        "file": files.add(image.file, f"photos/{image.id}{_suffix(image.file.name or '')}"),
        "original_name": image.original_name,
        "source_url": image.source_url,
        "width": image.width,
        "height": image.height,
        "given_at": image.created,
        "prepared": image.notes,
    }


def _billed_to(run: Run) -> dict | None:
    """Who paid for the run, as the ledger recorded it when the points were held."""
    billing = billing_of(run_id=run.pk)
    if billing is None:
        return None
    team = key = None
    if billing.team_id is not None:
        team = Team.objects.filter(pk=billing.team_id).values_list("name", flat=True).first()
    if billing.api_key_id is not None:
        key = ApiKey.objects.filter(pk=billing.api_key_id).values_list("name", flat=True).first()
    return {"team": team, "api_key": key}


def _run(files: _Archive, run: Run) -> dict:
    # What moderation hides leaves through no door, this one included: a run in the trash
    # or hidden by staff is listed (it is the person's record), its images are not
    # (RunQuerySet.shown).
    shown = run.is_shown
    left_out = None
    if not shown:
        left_out = _("hidden by staff") if run.hidden else _("in the trash")
    return {
        "id": str(run.id),
        "kind": run.kind,
        "app": {"id": run.app_id, "name": run.app_name, "version": run.version_id},
        "started": run.created,
        "sent_to_a1": run.submitted_at,
        "ended": run.finished_at,
        "state": run.state,
        "problem": run.failure,
        "choices": run.params,
        "images_requested": run.generate_num,
        "points_quoted": run.points_quoted,
        "points_spent": run.points_spent,
        "a1_task_id": run.task_id,
        "shared_with": run.team.name if run.team and run.visibility == "team" else None,
        "billed_to": _billed_to(run),
        "favourite": run.favourite,
        "in_trash_since": run.deleted_at,
        "photos_removed_at": run.inputs_removed_at,
        "results_removed_at": run.results_removed_at,
        "images_left_out": left_out,
        "photos": [_photo(files, image) for image in run.inputs.all()] if shown else [],
        "results": [_result(files, run, result) for result in run.results.all()] if shown else [],
    }


def _result(files: _Archive, run: Run, result) -> dict:
    return {
        "file": files.add(
            result.file, f"results/{run.id}-{result.index + 1}{_suffix(result.file.name)}"
        ),
        "width": result.width,
        "height": result.height,
        "format": result.format,
        "bytes": result.byte_size,
    }


def _write_archive(spool, user, now: datetime) -> int:
    """The whole ZIP; returns the number of runs in it."""

    def dump(value) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)

    runs = 0
    with (
        zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive,
        tempfile.TemporaryFile() as listing,
    ):
        files = _Archive(archive)
        archive.writestr("README.txt", _readme(user, now), zipfile.ZIP_DEFLATED)
        archive.writestr("account.json", dump(_account(user)), zipfile.ZIP_DEFLATED)
        # Images go into the archive as each run is read; the runs' details gather in a
        # second temporary file (a ZIP takes one entry at a time), so a long history is
        # never in memory whole.
        listing.write(b"[")
        history = (
            Run.objects.filter(user=user)
            .select_related("team")
            .prefetch_related("inputs", "results")
            .order_by("created")
        )
        for run in history.iterator(chunk_size=200):
            listing.write((",\n" if runs else "\n").encode() + dump(_run(files, run)).encode())
            runs += 1
        listing.write(b"\n]\n")
        listing.seek(0)
        entry = zipfile.ZipInfo("runs.json", date_time=now.timetuple()[:6])
        entry.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry, "w", force_zip64=True) as out:
            shutil.copyfileobj(listing, out, 1024 * 1024)
        unused = InputImage.objects.filter(owner=user, run__isnull=True)
        photos = [_photo(files, image) for image in unused]
        archive.writestr("unused_photos.json", dump(photos), zipfile.ZIP_DEFLATED)
    return runs
