"""Stored images, served only to those allowed to see them."""

from django.contrib.auth.decorators import login_required
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.csp import CSP
from django.utils.text import slugify
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from common.htmx import HtmxHttpRequest
from generator.access import shown_or_404, visible_or_404
from generator.models import InputImage, ResultImage

CONTENT_TYPES = {".png": "image/png", ".webp": "image/webp", ".jpg": "image/jpeg"}

# An image opened on its own (a link followed without JavaScript, "open image in new
# tab") is shown by the browser's built-in image page, which styles itself inline: the
# pages' policy (style-src 'self') broke it. These responses are only ever PNG, WebP or
# JPEG bytes with nosniff, so nothing here can run; the policy allows the image itself
# and those styles, and nothing else. (Images shown inside our pages, the viewer's
# among them, follow the page's policy, not this one.)
IMAGE_CSP = csp_override(
    {
        "default-src": [CSP.NONE],
        "img-src": [CSP.SELF],
        "style-src": [CSP.UNSAFE_INLINE],
        "frame-ancestors": [CSP.NONE],
    }
)


def _serve(field, *, download_name: str = ""):
    if not field:
        raise Http404
    suffix = "." + field.name.rsplit(".", 1)[-1].lower()
    if not isinstance(field.storage, FileSystemStorage):
        # Object storage: the access check above is ours, the bytes come from a signed
        # link that works for S3_LINK_SECONDS. A download asks S3 to name the file.
        parameters = {}
        if download_name:
            parameters["ResponseContentDisposition"] = (
                f'attachment; filename="{download_name}{suffix}"'
            )
        redirect = HttpResponseRedirect(field.storage.url(field.name, parameters=parameters))
        redirect["Cache-Control"] = "private, no-store"
        return redirect
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=CONTENT_TYPES.get(suffix, "image/jpeg"),
        as_attachment=bool(download_name),
        filename=f"{download_name}{suffix}" if download_name else "",
    )
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def stored_image(field, *, download_name: str = ""):
    """A stored photo or result as a response: the one way their bytes leave the portal
    (pages, the REST API and the gateway's signed links all come through here)."""
    return _serve(field, download_name=download_name)


@IMAGE_CSP
@login_required
@require_GET
def input_image(request: HtmxHttpRequest, image_id):
    image = visible_or_404(request.user, InputImage, image_id)
    return _serve(image.file)


@IMAGE_CSP
@login_required
@require_GET
def result_image(request: HtmxHttpRequest, image_id):
    """A result to look at (staff review hidden ones here too); as a download, only
    what may leave the portal (GenerationQuerySet.shown), for staff as well."""
    if request.GET.get("download"):
        result = shown_or_404(request.user, ResultImage, image_id)
    else:
        result = visible_or_404(request.user, ResultImage, image_id)
    name = ""
    if request.GET.get("download"):
        app = slugify(result.run.app_name) or "a1"
        name = f"{app}-{str(result.run_id)[:8]}-{result.index + 1}"
    return _serve(result.file, download_name=name)


@IMAGE_CSP
@login_required
@require_GET
def result_thumbnail(request: HtmxHttpRequest, image_id):
    result = visible_or_404(request.user, ResultImage, image_id)
    return _serve(result.thumbnail)
