"""The single sign-on part of the log-in pages."""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

from accounts.sso import ERROR_KEY

register = template.Library()


@register.inclusion_tag("registration/sso_choice.html", takes_context=True)
def sso_choice(context):
    """The "Log in with ..." button, and why the last attempt failed (shown once)."""
    request = context["request"]
    if not settings.SSO_ENABLED:
        return {"sso_enabled": False}
    next_url = context.get("next") or request.GET.get("next") or ""
    start = reverse("sso_start") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    return {
        "sso_enabled": True,
        "sso_name": settings.SSO_NAME,
        "sso_error": request.session.pop(ERROR_KEY, ""),
        "start_url": start,
        "local_accounts": settings.LOCAL_ACCOUNTS,
    }
