"""Fetch an image a user gave by link, without letting the link reach our own network.

The link is refused before any request when its scheme is not http(s) or its host
resolves to a private, loopback, link-local or otherwise reserved address; redirects
are followed by hand so that each hop is checked the same way.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from .images import MAX_INPUT_BYTES, ImageRejected

TIMEOUT = (5, 15)
MAX_REDIRECTS = 3


def _check_host(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImageRejected(_("Only http:// and https:// image links can be used."))
    if settings.IMAGE_URL_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ImageRejected(_("The link's host name could not be found.")) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise ImageRejected(_("Links to private or local network addresses are not allowed."))


def fetch_image(url: str) -> bytes:
    """The bytes behind an image link, at most MAX_INPUT_BYTES, or ImageRejected."""
    url = url.strip()
    session = requests.Session()
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            _check_host(url)
            response = session.get(url, timeout=TIMEOUT, stream=True, allow_redirects=False)
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                response.close()
                continue
            if response.status_code != 200:
                raise ImageRejected(
                    _("The link answered with HTTP %(status)d, not an image.")
                    % {"status": response.status_code}
                )
            content = response.raw.read(MAX_INPUT_BYTES + 1, decode_content=True)
            response.close()
            if len(content) > MAX_INPUT_BYTES:
                raise ImageRejected(_("The linked image is too large."))
            return content
    except requests.RequestException:
        raise ImageRejected(_("The image could not be downloaded from that link.")) from None
    finally:
        session.close()
    raise ImageRejected(_("The link redirects too many times."))


def link_check(url: str) -> None:
    """Refuse (ImageRejected, worded for the user) a link the portal must not call:
    the image-link rule, also applied to the webhook URLs people give."""
    _check_host(url.strip())


def post_to_link(url: str, *, data: bytes, headers: dict, timeout: float) -> int:
    """POST to a link people gave (a webhook) under the same rule; returns the HTTP status.

    Redirects are not followed: a receiver answers where it was asked. Raises
    ImageRejected for a refused host and requests.RequestException when it fails.
    """
    _check_host(url)
    with requests.Session() as session:
        response = session.post(
            url, data=data, headers=headers, timeout=(min(5, timeout), timeout),
            allow_redirects=False,
        )  # fmt: skip
        response.close()
    return response.status_code
