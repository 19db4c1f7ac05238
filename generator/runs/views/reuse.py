"""A result used as the photo of another run, and photos shared from a phone (the
installed app's share target): the chooser of apps and presets, then the app's form
with the photo in place."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from common.htmx import HtmxHttpRequest, redirect_after_post
from generator.access import shown_or_404
from generator.errors import SubmitRefused
from generator.models import InputImage, ResultImage
from generator.runs import photos
from generator.runs.forms import SharedPhotosForm
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


def _sent_by_the_browser(request) -> bool:
    """A share target's POST comes from the phone's own share sheet, without our CSRF
    token: the browser's fetch metadata stands in for it. Refused: anything another site
    sent (Sec-Fetch-Site cross-site or same-site, or an Origin that is not ours)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("none", "same-origin"):
        return False
    origin = request.headers.get("Origin")
    return origin in (None, "null") or origin == f"{request.scheme}://{request.get_host()}"


@csrf_exempt  # the share sheet cannot send our token; _sent_by_the_browser checks instead
@login_required
@require_POST
def share_target(request: HtmxHttpRequest):
    """Photos shared to the installed app: checked like every upload (the app form's own
    checks, SharedPhotosForm), kept as the person's staged photos (photo_keep), then the
    chooser. Nothing is run or spent here: that takes a press on a CSRF-protected form."""
    if not _sent_by_the_browser(request):
        return render(request, "403.html", status=403)
    form = SharedPhotosForm(data={}, files=request.FILES)
    if not form.is_valid():
        return render(request, "runs/use.html", {"form": form, "shared": []}, status=400)
    kept = [photos.photo_keep(user=request.user, image=image) for image in form.images]
    return redirect(f"/share/choose/?{urlencode([('p', str(photo.pk)) for photo in kept])}")


def _shared_photos(request, ids: list[str]) -> list[InputImage]:
    """The person's own staged photos named by id (at most a batch's worth); 404 else."""
    wanted = {_uuid_or_404(text) for text in ids[: SharedPhotosForm.MAX_PHOTOS]}
    found = list(
        InputImage.objects.filter(
            pk__in=wanted, owner=request.user, run__isnull=True, batch_item__isnull=True
        ).order_by("created")
    )
    if not found or len(found) != len(wanted):
        raise Http404
    return found


@login_required
@require_http_methods(["GET", "POST"])
def share_choose(request: HtmxHttpRequest):
    """GET: where the shared photo goes (pinned and recent apps, their presets).
    POST: the app's form with the photo in place."""
    if request.method == "POST":
        shared = _shared_photos(request, request.POST.getlist("photo"))
        app_id, preset = chosen_target(request)
        url = app_with_photos(app_id=app_id, photo_ids=[str(shared[0].pk)], preset=preset)
        return redirect_after_post(request, url)
    shared = _shared_photos(request, request.GET.getlist("p"))
    return render(
        request,
        "runs/use.html",
        {"shared": shared, "targets": photo_targets(user=request.user), "action": request.path},
    )
