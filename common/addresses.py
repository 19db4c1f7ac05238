"""The address a request came from, the same for log-in throttling and the audit log."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The address a request came from.

    Behind our reverse proxy (BEHIND_PROXY) every request comes from the proxy, so the
    address is the last X-Forwarded-For entry, the one the proxy wrote: entries to its
    left are whatever the client sent. Without a proxy the header is ignored entirely.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass  # no header, or not an address: the proxy did not write it
    return request.META.get("REMOTE_ADDR", "")
