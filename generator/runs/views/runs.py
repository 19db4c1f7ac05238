"""A generation's page, its progress fragment, and the actions on it."""

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
from generator.access import owned_or_404, shown_or_404, visible_or_404
from generator.errors import SubmitRefused
from generator.models import Generation, InputImage, ResultImage
from generator.runs import definitions as apps
from generator.runs import enhance as enhancing
from generator.runs import photos, tracking
from generator.runs import starting as generations
from generator.runs.forms import EnhanceForm
from generator.runs.messages import user_message
from generator.runs.views import live
from generator.teams import services as teams


def _progress_context(generation: Generation) -> dict:
    now = timezone.now()
    started = generation.submitted_at or generation.created
    ended = generation.finished_at or now
    elapsed = max(0, int((ended - started).total_seconds()))
    typical = None
    if generation.app_id and generation.kind == Generation.Kind.GENERATE:
        typical = tracking.app_typical_seconds(app_id=generation.app_id)
    percent = min(95, int(elapsed * 100 / typical)) if typical and generation.in_flight else None
    return {
        "generation": generation,
        "results": list(generation.results.all()),
        "elapsed": elapsed,
        "typical": int(typical) if typical else None,
        "percent": percent,
        "action_key": uuid.uuid4(),
    }


def _page_context(request: HtmxHttpRequest, generation: Generation) -> dict:
    return _progress_context(generation) | {
        "inputs": generation.inputs.all(),
        "is_owner": generation.user_id == request.user.id,
        "teams": teams.teams_of(user=request.user),
        "trash_days": settings.TRASH_DAYS,
        "source_run": _source_run(request.user, generation),
    }


@login_required
@require_GET
def generation_detail(request: HtmxHttpRequest, generation_id):
    generation = visible_or_404(request.user, Generation, generation_id)
    return render(request, "generations/detail.html", _page_context(request, generation))


def _source_run(user, generation: Generation) -> Generation | None:
    """The run an enhancement started from, when the user may still see it."""
    source = generation.source_result or generation.source_input
    run_id = getattr(source, "generation_id", None)
    if run_id is None:
        return None
    return Generation.objects.visible_to(user).filter(pk=run_id).first()


@login_required
@require_GET
@vary_on_headers("HX-Request")
def generation_progress(request: HtmxHttpRequest, generation_id):
    """The progress block alone while the run is in flight: read from our database, never
    from A1. Once the run has ended, the page's poll gets the whole run instead (results,
    ZIP, points, actions all differ from a running page) in place of the page's run
    fragment, with `runs-finished` for the tab; that answer has no poll, so it comes once."""
    generation = visible_or_404(request.user, Generation, generation_id)
    if generation.in_flight or not request.htmx:
        is_owner = generation.user_id == request.user.id
        context = _progress_context(generation) | {"is_owner": is_owner}
        return render(request, "generations/detail.html#progress", context)
    response = render(request, "generations/detail.html#run", _page_context(request, generation))
    reswap(retarget(response, "#run"), "outerHTML")
    return live.runs_finished(response, [generation])


def _go(request, generation: Generation):
    return redirect_after_post(request, generation.get_absolute_url())


def _key(request) -> uuid.UUID:
    try:
        return uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        raise Http404 from None


@login_required
@require_POST
def generation_resume(request: HtmxHttpRequest, generation_id):
    generation = tracking.generation_resume(
        generation=owned_or_404(request.user, Generation, generation_id)
    )
    return _go(request, generation)


@login_required
@require_POST
def generation_rerun(request: HtmxHttpRequest, generation_id):
    generation = owned_or_404(request.user, Generation, generation_id)
    try:
        new = generations.generation_rerun(
            user=request.user, generation=generation, key=_key(request)
        )
    except SubmitRefused as exc:
        messages.error(request, exc.message)
        if generation.app_id and generation.kind == Generation.Kind.GENERATE:
            return redirect("app_detail", app_id=generation.app_id)
        return _go(request, generation)
    except apps.AppUnavailable as exc:
        messages.error(request, exc.message)
        return _go(request, generation)
    except generations.AppUpdated:
        messages.error(request, user_message(A1Error(Code.APP_UPDATED)))
        return _go(request, generation)
    except A1Error as exc:
        messages.error(request, user_message(exc))
        return _go(request, generation)
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
    if request.POST.get("result"):
        source = shown_or_404(request.user, ResultImage, request.POST["result"])
        back = source.generation
    else:
        source = shown_or_404(request.user, InputImage, request.POST.get("input", ""))
        back = source.generation
    # One page key serves every button on the page; each image gets its own key from it,
    # so a double click on one button is one enhancement and two buttons are two.
    key = uuid.uuid5(_key(request), str(source.pk))
    try:
        generation = enhancing.enhance_start(user=request.user, source=source, key=key)
    except SubmitRefused as exc:
        messages.error(request, exc.message)
        return _go(request, back) if back else redirect("enhance")
    return _go(request, generation)


def _enhance_upload(request: HtmxHttpRequest):
    form = EnhanceForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        valid = form.is_valid()
        form.keep(photos.inputs_stage(user=request.user, photos=form.new_photos()))
        if valid:
            source = form.images[form.slots[0].name]
            try:
                generation = enhancing.enhance_start(
                    user=request.user, source=source, key=form.cleaned_data["idempotency_key"]
                )
            except SubmitRefused as exc:
                form.add_error(None, exc.message)
            else:
                return _go(request, generation)
    template = (
        "generations/enhance.html#enhance-form" if request.htmx else "generations/enhance.html"
    )
    return render(request, template, {"form": form})
