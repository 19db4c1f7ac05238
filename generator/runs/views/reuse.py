"""A result used as the photo of another run, and photos shared from a phone (the
installed app's share target): the chooser of apps and presets, then the app's form
with the photo in place, or its batch form with several (one item each)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from common.htmx import HtmxHttpRequest, redirect_after_post
from common.media import StorageUnavailable
from generator.access import shown_or_404, staged_or_404, visible_or_404
from generator.errors import SubmitRefused
from generator.models import InputImage, ResultImage
from generator.runs import photos
from generator.runs.forms import SharedPhotosForm
from library.models import Preset
from library.targets import photo_targets

APP_ID_CHARS = 32


def app_with_photos(*, app_id: str, photo_ids: list[str], preset: str = "") -> str:
    """The address of an app's form with staged photos in place (and a preset chosen):
    one photo opens the app's form for a run, several its batch form, one item each."""
    query: list[tuple[str, str]] = [("photo", pk) for pk in photo_ids]
    if preset:
        query.append(("preset", preset))
    page = "batch/" if len(photo_ids) > 1 else ""
    return f"/apps/{app_id}/{page}?{urlencode(query)}"


def chosen_target(request) -> tuple[str, str]:
    """The app (and preset) picked in a chooser; 404 for what is not one."""
    app_id = request.POST.get("app", "")
    if not app_id or len(app_id) > APP_ID_CHARS or not app_id.isalnum():
        raise Http404
    preset = request.POST.get("preset", "")
    if preset:
        chosen = visible_or_404(request.user, Preset, preset)
        if chosen.app_id != app_id:
            raise Http404
        preset = str(chosen.pk)
    return app_id, preset


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
    try:
        kept = [photos.photo_keep(user=request.user, image=image) for image in form.images]
    except StorageUnavailable as exc:
        # Said on the share's own page, as the app form says it: nothing is run or spent
        # here, and photos kept before the storage went stay staged until the hourly purge.
        form.add_error(None, exc.message)
        return render(request, "runs/use.html", {"form": form, "shared": []}, status=503)
    return redirect(f"/share/choose/?{urlencode([('p', str(photo.pk)) for photo in kept])}")


def _shared_photos(request, ids: list[str]) -> list[InputImage]:
    """The person's own staged photos named by id (at most a share's worth); 404 else."""
    return staged_or_404(request.user, ids, most=SharedPhotosForm.MAX_PHOTOS)


@login_required
@require_http_methods(["GET", "POST"])
def share_choose(request: HtmxHttpRequest):
    """GET: where the shared photos go (pinned and recent apps, their presets).
    POST: the app's form with the photo in place, or its batch form with several (one
    item each). Neither spends: that takes a press on the form's own CSRF-protected POST."""
    if request.method == "POST":
        shared = _shared_photos(request, request.POST.getlist("photo"))
        app_id, preset = chosen_target(request)
        url = app_with_photos(
            app_id=app_id, photo_ids=[str(photo.pk) for photo in shared], preset=preset
        )
        return redirect_after_post(request, url)
    shared = _shared_photos(request, request.GET.getlist("p"))
    return render(
        request,
        "runs/use.html",
        {"shared": shared, "targets": photo_targets(user=request.user), "action": request.path},
    )
