"""From where an act came: the request (page, admin, REST API or gateway; its address;
the key that authenticated it) or the system (a worker's job, a command).

The middleware opens one origin per request; key_authenticate notes the key. Services
never take a request: audit_record reads the origin of the request in hand."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse

from common.addresses import client_address
from generator.audit.models import Via


@dataclass
class Origin:
    via: str = Via.SYSTEM
    address: str | None = None
    key_prefix: str = ""
    request: HttpRequest | None = field(default=None, repr=False)

    def actor(self):
        """The person acting: the request's user (a key's owner once the key is known)."""
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None


_origin: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def origin_current() -> Origin:
    return _origin.get() or Origin()


def origin_note_key(*, prefix: str) -> None:
    """The request in hand is a script's, with this key (its visible prefix)."""
    origin = _origin.get()
    if origin is not None:
        origin.key_prefix = prefix


def _via(path: str) -> str:
    if path.startswith("/admin/"):
        return Via.ADMIN
    if path.startswith("/api/"):
        return Via.API
    if path.startswith("/open-api/"):
        return Via.GATEWAY
    return Via.PAGE


class AuditOriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = Origin(
            via=_via(request.path), address=client_address(request) or None, request=request
        )
        token = _origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)
