from django.conf import settings


def studio(request):
    """Facts every page may show; never the API key itself."""
    from .services import balance_alert_active

    alert = None
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        alert = balance_alert_active()
    return {"a1_sandbox": settings.A1_USES_SANDBOX, "balance_alert": alert}
