"""A run's page, its progress fragment, and the actions on it."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from a1 import A1Error, Code
from common.htmx import HtmxHttpRequest, redirect_after_post
from common.media import StorageUnavailable
from generator.access import owned_or_404, shown_or_404, visible_or_404
from generator.errors import SubmitRefused
from generator.models import InputImage, ResultImage, Run
from generator.runs import definitions as apps
from generator.runs import enhance as enhancing
from generator.runs import photos, tracking
from generator.runs import starting as runs
from generator.runs.forms import EnhanceForm
from generator.runs.messages import user_message
from generator.runs.views import live
from generator.teams import services as teams


def _progress_context(run: Run) -> dict:
    now = timezone.now()
    started = run.submitted_at or run.created
    ended = run.finished_at or now
    elapsed = max(0, int((ended - started).total_seconds()))
    typical = None
    if run.app_id and run.kind == Run.Kind.GENERATE:
        typical = tracking.app_typical_seconds(app_id=run.app_id)
    percent = min(95, int(elapsed * 100 / typical)) if typical and run.in_flight else None
    return {
        "run": run,
        "results": list(run.results.all()),
        "elapsed": elapsed,
        "typical": int(typical) if typical else None,
        "percent": percent,
        "action_key": uuid.uuid4(),
    }


def _page_context(request: HtmxHttpRequest, run: Run) -> dict:
    return _progress_context(run) | {
        "inputs": run.inputs.all(),
        "is_owner": run.user_id == request.user.id,
        "teams": teams.teams_of(user=request.user),
        "trash_days": settings.TRASH_DAYS,
        "source_run": _source_run(request.user, run),
    }


@login_required
@require_GET
def run_detail(request: HtmxHttpRequest, run_id):
    run = visible_or_404(request.user, Run, run_id)
    return render(request, "runs/detail.html", _page_context(request, run))


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
    run = visible_or_404(request.user, Run, run_id)
    if run.in_flight or not request.htmx:
        is_owner = run.user_id == request.user.id
        context = _progress_context(run) | {"is_owner": is_owner}
        return render(request, "runs/detail.html#progress", context)
    response = render(request, "runs/detail.html#run", _page_context(request, run))
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
