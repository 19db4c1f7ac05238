"""Pages are gzipped; images and ZIPs go out as they are (compressed already)."""

import io

from django.http import FileResponse, HttpResponse
from django.test import RequestFactory

from common.compression import GZipPagesMiddleware


def test_pages_are_gzipped_but_images_and_zips_are_sent_as_they_are():
    middleware = GZipPagesMiddleware(lambda request: None)
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")
    page = middleware.process_response(request, HttpResponse(b"<p>" * 200))
    assert page["Content-Encoding"] == "gzip"
    for kind in ("image/jpeg", "image/webp", "application/zip"):
        sent = FileResponse(io.BytesIO(b"x" * 500), content_type=kind)
        assert not middleware.process_response(request, sent).has_header("Content-Encoding")
