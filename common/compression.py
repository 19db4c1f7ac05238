"""Gzip for pages, not for files that are compressed already."""

from django.middleware.gzip import GZipMiddleware

ALREADY_COMPRESSED = ("image/", "application/zip", "video/", "audio/")


class GZipPagesMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, minus images and ZIPs: compressing them again costs CPU
    on every download, gains nothing and stops the server sending the file as it is."""

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith(ALREADY_COMPRESSED):
            return response
        return super().process_response(request, response)
