import functools

from django.conf import settings

from .services.budgets import balance_alert_active


def studio(request):
    """Facts every page may show; never the API key itself."""

    # A callable: templates call it only where they show the banner, so fragments (the
    # progress block, every 2 s per tab) cost no query for it.
    @functools.cache
    def alert():
        user = getattr(request, "user", None)
        return balance_alert_active() if user is not None and user.is_authenticated else None

    return {"a1_sandbox": settings.A1_USES_SANDBOX, "balance_alert": alert}
