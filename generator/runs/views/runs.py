"""A run's page, its progress fragment, and the actions on it."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from a1 import A1Error, Code
from common.htmx import HtmxHttpRequest, redirect_after_post
from common.media import StorageUnavailable
from generator.access import owned_or_404, shown_or_404, visible_or_404
from generator.errors import SubmitRefused
from generator.galleries.pages import card_moving
from generator.galleries.views import kept
from generator.models import InputImage, ResultImage, Run, Team
from generator.runs import definitions as apps
from generator.runs import enhance as enhancing
from generator.runs import photos, tracking
from generator.runs import starting as runs
from generator.runs.forms import EnhanceForm
from generator.runs.messages import user_message
from generator.runs.views import live
from generator.teams import services as teams

# Where each answer's forms take their idempotency key ("Run again", "Enhance"): the page
# is drawn (and kept) with this mark, and every answer, kept or built, gets a fresh key in
# its place (`_fill_action_key`), so each view of the page still has its own key, as when
# it was minted in the context. Tags are escaped in anything a person wrote, so the mark
# can only be ours.
ACTION_KEY_MARK = "<action-key>"


def _fill_action_key(body: bytes) -> bytes:
    return body.replace(ACTION_KEY_MARK.encode(), str(uuid.uuid4()).encode())


def _progress_context(run: Run, results: list[ResultImage]) -> dict:
    now = timezone.now()
    started = run.submitted_at or run.created
    ended = run.finished_at or now
    elapsed = max(0, int((ended - started).total_seconds()))
    typical = None
    if run.in_flight and run.app_id and run.kind == Run.Kind.GENERATE:
        typical = tracking.app_typical_seconds(app_id=run.app_id)
    percent = min(95, int(elapsed * 100 / typical)) if typical and run.in_flight else None
    return {
        "run": run,
        "results": results,
        "elapsed": elapsed,
        "typical": int(typical) if typical else None,
        "percent": percent,
        "action_key": mark_safe(ACTION_KEY_MARK),  # noqa: S308 - our own constant
    }


def _page_context(run: Run, page: RunPage) -> dict:
    return _progress_context(run, page.results) | {
        "inputs": page.inputs,
        "is_owner": page.is_owner,
        "teams": page.teams,
        "trash_days": settings.TRASH_DAYS,
        "source_run": page.source_run,
        "app_title": page.app_title,
    }


@dataclass
class RunPage:
    """What a run's page shows beyond the run's row: read only when the page is drawn."""

    results: list[ResultImage]
    inputs: list[InputImage]
    is_owner: bool
    teams: list[Team]
    source_run: Run | None
    app_title: str  # the app's name for this reader (runs keep the one they started under)


def _run_page(user, run: Run) -> RunPage:
    is_owner = run.user_id == user.id
    return RunPage(
        results=_results(run),
        inputs=list(run.inputs.all()),
        is_owner=is_owner,
        # The share form, shown to the owner only.
        teams=list(teams.teams_of(user=user)) if is_owner else [],
        source_run=_source_run(user, run),
        app_title=_app_title(run),
    )


def _app_title(run: Run) -> str:
    """The app's name in the reader's language where A1 has it, else the app's own (the
    same for everyone), as gallery cards name it; the run's stored name when the app
    was never read (generator/runs/definitions.py `app_names`)."""
    if not run.app_id:
        return run.app_name
    named = apps.app_names(app_ids=[run.app_id], language=apps.a1_language())
    return named[run.app_id][0] if run.app_id in named else run.app_name


# The columns of a run that its page and progress block show (with the share form, the
# "Enhanced from" link and the `runs-finished` event): the others (what was sent, A1's
# answers, the worker's leases) are not read for them. Reading a run's every column cost
# the 2 s fragment more than its rendering.
RUN_SHOWN = (
    "user", "team", "visibility", "kind", "app_id", "app_name", "language", "generate_num",
    "params", "task_id", "state", "problem", "error_code", "error_message",
    "error_message_cn", "points_quoted", "points_spent", "favourite", "deleted_at", "hidden",
    "inputs_removed_at", "results_removed_at", "created", "submitted_at", "finished_at",
    "poll_errors", "source_result", "source_input",
)  # fmt: skip
RESULT_SHOWN = ("run", "index", "file", "format", "width", "height", "byte_size", "expired")


def _readable(user, run_id) -> Run:
    return visible_or_404(user, Run, run_id, only=RUN_SHOWN)


def _results(run: Run) -> list[ResultImage]:
    return list(run.results.only(*RESULT_SHOWN))


def _kept_key(request, run: Run, *, name: str) -> str | None:
    """Where a finished run's page (or progress block) is kept for this viewer, or None
    when it is drawn for every view: a run under way (its time so far changes every
    second), or a run staff look at that is not theirs.

    The key is the run's row as read (every column shown) and the viewer's page tokens
    (`kept.page_key`): the gallery stamps of the viewer and their teams move with every
    write of their runs, of the photos and results the runs show (`RunQuerySet.touch`),
    of their teams and memberships, as the kept gallery pages rely on. A person sees a
    run only as its owner or in its team (`Run.objects.visible_to`), so one of those
    stamps is theirs; staff see runs whose stamps are not.
    """
    if card_moving(run) or (request.user.is_staff and run.user_id != request.user.id):
        return None
    version = hashlib.sha256(repr(_row(run)).encode()).hexdigest()
    return kept.page_key(request, name=name, parts=[version])


def _row(run: Run) -> tuple:
    deferred = run.get_deferred_fields()
    return tuple(
        getattr(run, field.attname)
        for field in Run._meta.concrete_fields
        if field.attname not in deferred
    )


@login_required
@require_GET
def run_detail(request: HtmxHttpRequest, run_id):
    run = _readable(request.user, run_id)
    return kept.kept_or_built(
        request,
        key=_kept_key(request, run, name="run"),
        build=lambda: render(
            request, "runs/detail.html", _page_context(run, _run_page(request.user, run))
        ),
        fill=_fill_action_key,
    )


def _source_run(user, run: Run) -> Run | None:
    """The run an enhancement started from, when the user may still see it."""
    source = run.source_result or run.source_input
    run_id = getattr(source, "run_id", None)
    if run_id is None:
        return None
    return Run.objects.visible_to(user).filter(pk=run_id).first()


@login_required
@require_GET
@vary_on_headers("HX-Request")
def run_progress(request: HtmxHttpRequest, run_id):
    """The progress block alone while the run is in flight: read from our database, never
    from A1. Once the run has ended, the page's poll gets the whole run instead (results,
    ZIP, points, actions all differ from a running page) in place of the page's run
    fragment, with `runs-finished` for the tab; that answer has no poll, so it comes once."""
    run = _readable(request.user, run_id)
    if run.in_flight or not request.htmx:
        is_owner = run.user_id == request.user.id
        return kept.kept_or_built(
            request,
            key=_kept_key(request, run, name="run-progress"),
            build=lambda: render(
                request,
                "runs/detail.html#progress",
                _progress_context(run, _results(run)) | {"is_owner": is_owner},
            ),
            fill=_fill_action_key,
        )
    response = kept.kept_or_built(
        request,
        key=None,  # its `runs-finished` event and swap are per answer: never kept
        build=lambda: render(
            request, "runs/detail.html#run", _page_context(run, _run_page(request.user, run))
        ),
        fill=_fill_action_key,
    )
    reswap(retarget(response, "#run"), "outerHTML")
    return live.runs_finished(response, [run])


def _go(request, run: Run):
    return redirect_after_post(request, run.get_absolute_url())


def _key(request) -> uuid.UUID:
    try:
        return uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        raise Http404 from None


@login_required
@require_POST
def run_resume(request: HtmxHttpRequest, run_id):
    run = tracking.run_resume(run=owned_or_404(request.user, Run, run_id))
    return _go(request, run)


@login_required
@require_POST
def run_rerun(request: HtmxHttpRequest, run_id):
    run = owned_or_404(request.user, Run, run_id)
    try:
        new = runs.run_rerun(user=request.user, run=run, key=_key(request))
    except SubmitRefused as exc:
        messages.error(request, exc.message)
        if run.app_id and run.kind == Run.Kind.GENERATE:
            return redirect("app_detail", app_id=run.app_id)
        return _go(request, run)
    except apps.AppUnavailable as exc:
        messages.error(request, exc.message)
        return _go(request, run)
    except runs.AppUpdated:
        messages.error(request, user_message(A1Error(Code.APP_UPDATED)))
        return _go(request, run)
    except A1Error as exc:
        messages.error(request, user_message(exc))
        return _go(request, run)
    return _go(request, new)


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def enhance(request: HtmxHttpRequest):
    """Enhance one of our images (`result` or `input` id), or a photo given here."""
    if request.method == "GET" or not (request.POST.get("result") or request.POST.get("input")):
        return _enhance_upload(request)
    # The image goes into new work: only one that may leave the portal (staff review
    # hidden runs, they do not carry their images into new ones).
    source: ResultImage | InputImage
    back: Run | None  # a photo given on the enhance page belongs to no run
    if request.POST.get("result"):
        source = shown_or_404(request.user, ResultImage, request.POST["result"])
        back = source.run
    else:
        source = shown_or_404(request.user, InputImage, request.POST.get("input", ""))
        back = source.run
    # One page key serves every button on the page; each image gets its own key from it,
    # so a double click on one button is one enhancement and two buttons are two.
    key = uuid.uuid5(_key(request), str(source.pk))
    try:
        run = enhancing.enhance_start(user=request.user, source=source, key=key)
    except SubmitRefused as exc:
        messages.error(request, exc.message)
        return _go(request, back) if back else redirect("enhance")
    return _go(request, run)


def _enhance_upload(request: HtmxHttpRequest):
    form = EnhanceForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        valid = form.is_valid()
        try:
            form.keep(photos.inputs_stage(user=request.user, photos=form.new_photos()))
        except StorageUnavailable as exc:  # said on the form; nothing kept
            form.add_error(None, exc.message)
            valid = False
        if valid:
            source = form.kept_images()[form.slots[0].name]
            try:
                run = enhancing.enhance_start(
                    user=request.user, source=source, key=form.cleaned_data["idempotency_key"]
                )
            except SubmitRefused as exc:
                form.add_error(None, exc.message)
            else:
                return _go(request, run)
    template = "runs/enhance.html#enhance-form" if request.htmx else "runs/enhance.html"
    return render(request, template, {"form": form})
