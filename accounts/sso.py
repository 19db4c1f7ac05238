"""Single sign-on with OpenID Connect: the provider's metadata and the log-in backend.

mozilla-django-oidc does the protocol (state, nonce, PKCE, the code exchange, the ID
token's signature against the provider's keys); this module feeds it the endpoints from
the provider's discovery document, checks what the library leaves out (the token's
issuer and audience), and turns the claims into a decision that the accounts service
carries out. Every refusal leaves a sentence for the log-in page, never a 500.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from accounts.sso_accounts import SsoRefused, sso_account_resolve

log = logging.getLogger(__name__)

TIMEOUT = 10  # seconds for every call to the provider
DISCOVERY_SECONDS = 3600
ERROR_KEY = "sso_error"  # the session key the log-in page reads its sentence from


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be had or does not fit."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str = ""


def provider() -> Provider:
    """The configured provider's endpoints, from its discovery document (cached an hour)."""
    issuer = settings.SSO_ISSUER
    key = f"sso-discovery:{issuer}"
    cached = cache.get(key)
    if cached is not None:
        return Provider(**cached)
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"discovery failed: {exc.__class__.__name__}") from exc
    # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer we asked.
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
        raise ProviderUnavailable("discovery document names another issuer")
    try:
        found = Provider(
            issuer=issuer,
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            userinfo_endpoint=document["userinfo_endpoint"],
            jwks_uri=document["jwks_uri"],
            end_session_endpoint=document.get("end_session_endpoint") or "",
        )
    except KeyError as exc:
        raise ProviderUnavailable(f"discovery document lacks {exc}") from None
    cache.set(key, found.__dict__, DISCOVERY_SECONDS)
    return found


def library_setting(attr: str, *default):
    """The library's settings, derived from our SSO_* ones when asked (tests change them)."""
    derived = {
        "OIDC_RP_CLIENT_ID": settings.SSO_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": settings.SSO_CLIENT_SECRET,
        "OIDC_RP_SCOPES": " ".join(settings.SSO_SCOPES),
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_USE_PKCE": True,
        "OIDC_TIMEOUT": TIMEOUT,
        "OIDC_STORE_ID_TOKEN": True,  # kept for the provider's log-out
        "OIDC_TOKEN_USE_BASIC_AUTH": True,  # client_secret_basic, every provider's default
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso_callback",
        "LOGIN_REDIRECT_URL_FAILURE": settings.LOGIN_URL,
    }
    if attr in derived:
        return derived[attr]
    return import_from_settings(attr, *default)


def refuse(request, message: str) -> None:
    """Leave the sentence the log-in page shows next to the single sign-on button."""
    request.session[ERROR_KEY] = str(message)


def domain_allowed(email: str) -> bool:
    domains = settings.SSO_ALLOWED_DOMAINS
    return not domains or email.rsplit("@", 1)[-1].lower() in domains


def staff_from_claims(claims: dict) -> bool | None:
    """What the provider says about staff, or None when it is not asked to say."""
    if not settings.SSO_STAFF_VALUES:
        return None
    value = claims.get(settings.SSO_STAFF_CLAIM)
    values = value if isinstance(value, list) else [value]
    held = {str(v).lower() if isinstance(v, bool) else str(v) for v in values if v is not None}
    return bool(held & set(settings.SSO_STAFF_VALUES))


class SsoBackend(OIDCAuthenticationBackend):
    """Logs in the person the provider vouches for; answers None to everything else."""

    get_settings = staticmethod(library_setting)

    def __init__(self, *args, **kwargs):
        # Django builds every backend for every log-in and session: nothing here may
        # reach the provider. The endpoints are filled in by authenticate().
        self.UserModel = get_user_model()
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.OIDC_RP_SIGN_ALGO = "RS256"

    def get_user(self, user_id):
        # The library's get_user skips Django's is_active check: a disabled account's
        # session must end at its next request, as with passwords.
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce: a password log-in goes straight past.
        if request is None or "nonce" not in kwargs or not settings.SSO_ENABLED:
            return None
        try:
            found = provider()
        except ProviderUnavailable as exc:
            log.warning("single sign-on: provider unavailable (%s)", exc)
            refuse(request, _("The sign-on service could not be reached. Try again shortly."))
            return None
        self.provider = found
        self.OIDC_OP_TOKEN_ENDPOINT = found.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = found.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = found.jwks_uri
        self.OIDC_RP_CLIENT_ID = settings.SSO_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.SSO_CLIENT_SECRET
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, ValueError, SuspiciousOperation, jwt.PyJWTError) as exc:
            # Tokens and codes stay out of the log: only what kind of failure it was.
            log.warning("single sign-on: log-in failed (%s)", exc.__class__.__name__)
            refuse(request, _("Single sign-on did not complete. Try again."))
            return None

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        # The library checks the signature and the nonce; the issuer and the audience
        # are ours to check (OpenID Connect Core 3.1.3.7).
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if payload.get("iss", "").rstrip("/") != self.provider.issuer:
            raise SuspiciousOperation("ID token from another issuer")
        if settings.SSO_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        # Some providers put groups only in the ID token, others only in userinfo.
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo is about someone else")
        email = str(claims.get("email") or "").strip()
        # Only an address the provider vouches for: a missing claim is no "yes" (some
        # providers send it as the string "true").
        verified = str(claims.get("email_verified")).lower() == "true"
        if not email or "@" not in email or not verified:
            refuse(
                self.request,
                _("The sign-on service did not confirm an email address for your account."),
            )
            return None
        if not domain_allowed(email):
            log.info("single sign-on: refused a log-in from domain %s", email.rsplit("@", 1)[-1])
            refuse(
                self.request,
                _(
                    "%(email)s cannot log in here: only addresses at %(domains)s are allowed. "
                    "Ask your administrator if you need access."
                )
                % {"email": email, "domains": ", ".join(settings.SSO_ALLOWED_DOMAINS)},
            )
            return None
        try:
            return sso_account_resolve(
                issuer=self.provider.issuer,
                subject=str(payload.get("sub") or ""),
                email=email,
                name=str(claims.get("name") or ""),
                staff=staff_from_claims(claims),
                team_name=settings.SSO_TEAM,
            )
        except SsoRefused as refused:
            refuse(self.request, refused.message)
            return None
