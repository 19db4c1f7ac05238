"""A result used as the photo of another run: the chooser of apps, then the app's form
with the photo in place."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from common.htmx import HtmxHttpRequest, redirect_after_post
from generator.access import shown_or_404
from generator.errors import SubmitRefused
from generator.models import ResultImage
from generator.runs import photos
from library.models import Preset
from library.targets import photo_targets

APP_ID_CHARS = 32


def app_with_photos(*, app_id: str, photo_ids: list[str], preset: str = "") -> str:
    """The address of an app's form with staged photos in place (and a preset chosen)."""
    query: list[tuple[str, str]] = [("photo", pk) for pk in photo_ids]
    if preset:
        query.append(("preset", preset))
    return f"/apps/{app_id}/?{urlencode(query)}"


def chosen_target(request) -> tuple[str, str]:
    """The app (and preset) picked in a chooser; 404 for what is not one."""
    app_id = request.POST.get("app", "")
    if not app_id or len(app_id) > APP_ID_CHARS or not app_id.isalnum():
        raise Http404
    preset = request.POST.get("preset", "")
    if preset and not Preset.objects.filter(pk=_uuid_or_404(preset), app_id=app_id).exists():
        raise Http404
    return app_id, preset


def _uuid_or_404(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def result_use(request: HtmxHttpRequest, result_id):
    """GET: which app this result goes into (pinned and recent apps, their presets).
    POST: the result is staged as the person's photo and the app's form opens with it."""
    # The image goes into new work: only one that may leave the portal.
    result = shown_or_404(request.user, ResultImage, result_id)
    if request.method == "POST":
        app_id, preset = chosen_target(request)
        try:
            photo = photos.photo_from_result(user=request.user, result=result)
        except SubmitRefused as exc:
            messages.error(request, exc.message)
            return redirect(result.run.get_absolute_url())
        url = app_with_photos(app_id=app_id, photo_ids=[str(photo.pk)], preset=preset)
        return redirect_after_post(request, url)
    return render(
        request,
        "runs/use.html",
        {
            "result": result,
            "targets": photo_targets(user=request.user),
            "action": request.path,
        },
    )
