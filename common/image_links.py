"""Fetch an image a user gave by link, without letting the link reach our own network.

requests-hardened resolves the host once and connects to exactly the address it
checked, so neither a second look-up (DNS rebinding) nor a URL that two parsers read
differently can steer the connection elsewhere; we refuse a few ranges more than it
does. Every redirect hop is checked the same way, environment proxies are ignored, and
the whole fetch has a total deadline and a byte cap. Every refusal gets one message, so
the answer says nothing about what lives on the addresses a user tries.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES, InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

from a1.bounded import Deadline, TransferRefused, WatchedAdapter, WatchedAdapterMixin, read_capped
from common.images import MAX_INPUT_BYTES, ImageRejected

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
# IPv4-compatible IPv6 (::a.b.c.d, deprecated): `[::127.0.0.1]` counts as global to Python.
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Anything but a plain public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address in _IPV4_COMPATIBLE:
            return True
    return (
        not address.is_global
        or address.is_multicast
        or any(address in network for network in EXTRA_BLOCKED_NET_RANGES)
    )


class _GuardedAdapter(WatchedAdapterMixin, IPFilterAdapter):
    """requests-hardened's pinned connection, with our stricter test of the pinned address."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        address = ipaddress.ip_address(host_params["host"].strip("[]"))
        if refused_address(address):
            raise InvalidIPAddress(address)
        return host_params, pool_kwargs


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment would bypass the address check
    session.headers["User-Agent"] = "A1Studio/0.1"
    session.headers["Accept-Encoding"] = "identity"
    for scheme, https in (("http://", False), ("https://", True)):
        if settings.IMAGE_URL_ALLOW_PRIVATE:
            session.mount(scheme, WatchedAdapter())
        else:
            session.mount(scheme, _GuardedAdapter(is_https_proto=https))
    return session


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("not an http(s) link")
    if parts.port == 0:  # out of range (65536 and up) raises ValueError by itself
        raise ValueError("port 0")


def _fetch(url: str, deadline: Deadline) -> bytes:
    timeout = (min(CONNECT_TIMEOUT, deadline.remaining()), min(READ_TIMEOUT, deadline.remaining()))
    with _session() as session:
        for _hop in range(MAX_REDIRECTS + 1):
            _check_scheme(url)
            with session.get(url, timeout=timeout, stream=True, allow_redirects=False) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status_code != 200:
                    raise ValueError(f"HTTP {response.status_code}")
                return read_capped(response, max_bytes=MAX_INPUT_BYTES, deadline=deadline)
    raise ValueError("too many redirects")


class ImageLinksBusy(ImageRejected):
    """Every fetch slot is taken: nothing was fetched; the same link may work shortly."""


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _fetch_slots() -> threading.BoundedSemaphore:
    """This process's fetch slots (IMAGE_LINK_FETCHES), shared by its web threads."""
    size = settings.IMAGE_LINK_FETCHES
    with _slots_lock:
        return _slots.setdefault(size, threading.BoundedSemaphore(size))


def fetch_image(url: str) -> bytes:
    """The bytes behind an image link, or ImageRejected with the one generic message.

    At most IMAGE_LINK_FETCHES links are fetched at once in a process: one given while
    all are taken is refused at once (ImageLinksBusy), so servers that trickle their
    answer can hold some threads for IMAGE_LINK_DEADLINE, never all of them.
    """
    url = url.strip()
    slots = _fetch_slots()
    if not slots.acquire(blocking=False):
        logger.warning("Image link refused: every fetch slot is taken")
        raise ImageLinksBusy(
            _(
                "Many image links are being fetched right now. Try again in a minute, "
                "or save the image and upload the file."
            )
        )
    deadline = Deadline(settings.IMAGE_LINK_DEADLINE)
    try:
        with deadline:
            return _fetch(url, deadline)
    except (requests.RequestException, TransferRefused, ValueError, OSError) as exc:
        # The type only: the text of some errors repeats the link, which may hold a secret.
        reason = "deadline passed" if deadline.passed else type(exc).__name__
        logger.info("Image link refused: %s", reason)
        raise ImageRejected(_("We could not fetch an image from that link.")) from None
    finally:
        slots.release()


def link_check(url: str) -> None:
    """Refuse (ImageRejected, worded for the user) a link the portal must not call:
    the image-link rule, applied when people enter a webhook URL. The call itself is
    guarded again, on the address actually connected to (post_to_link)."""
    url = url.strip()
    try:
        _check_scheme(url)
        if settings.IMAGE_URL_ALLOW_PRIVATE:
            return
        host = urlsplit(url).hostname or ""
        for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM):
            if refused_address(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])):
                raise ValueError("not a public address")
    except (ValueError, OSError, UnicodeError):
        raise ImageRejected(_("That link cannot be used: give a public http(s) address.")) from None


def post_to_link(url: str, *, data: bytes, headers: dict, timeout: float) -> int:
    """POST to a link people gave (a webhook) under the image-link rule: the connection
    goes only to the public address that was checked, within `timeout` in all, and
    redirects are not followed. Returns the HTTP status; raises ImageRejected for a
    refused link and requests.RequestException when the call fails."""
    url = url.strip()
    try:
        _check_scheme(url)
    except ValueError:
        raise ImageRejected(_("That link cannot be used: give a public http(s) address.")) from None
    deadline = Deadline(timeout)
    try:
        with deadline, _session() as session:
            call_timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
            with session.post(
                url, data=data, headers=headers, timeout=call_timeout, allow_redirects=False
            ) as response:
                return response.status_code
    except InvalidIPAddress:
        raise ImageRejected(_("That link cannot be used: give a public http(s) address.")) from None
