"""Stored images, served only to those allowed to see them (the bytes go out through
`common.media.stored_image`)."""

from django.contrib.auth.decorators import login_required
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from common.htmx import HtmxHttpRequest
from common.media import stored_image
from generator.access import shown_or_404, visible_or_404
from generator.models import InputImage, ResultImage

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


@IMAGE_CSP
@login_required
@require_GET
def input_image(request: HtmxHttpRequest, image_id):
    image = visible_or_404(request.user, InputImage, image_id)
    return stored_image(image.file)


@IMAGE_CSP
@login_required
@require_GET
def result_image(request: HtmxHttpRequest, image_id):
    """A result to look at (staff review hidden ones here too); as a download, only
    what may leave the portal (RunQuerySet.shown), for staff as well."""
    if request.GET.get("download"):
        result = shown_or_404(request.user, ResultImage, image_id)
    else:
        result = visible_or_404(request.user, ResultImage, image_id)
    name = result.download_name if request.GET.get("download") else ""
    return stored_image(result.file, download_name=name)


@IMAGE_CSP
@login_required
@require_GET
def result_thumbnail(request: HtmxHttpRequest, image_id):
    result = visible_or_404(request.user, ResultImage, image_id)
    return stored_image(result.thumbnail)
