import functools

from django.conf import settings
from django.db.models import F, OuterRef

from generator.approvals.requests import approvals_pending_exist, approvals_to_decide
from generator.galleries.pages import banner_empty
from generator.money.alerts import alert_words, spend_alerts_for
from generator.money.budgets import balance_alert_active
from generator.runs.definitions import a1_language, app_name_expression
from lifecycle.exports import export_ready_for


def studio(request):
    """Facts every page may show; never the API key itself."""

    def none_to_show(banner: str) -> bool:
        # A kept page's key read the banners' tokens first (views/kept.py page_key).
        return banner_empty(getattr(request, "page_tokens", None), banner)

    # A callable: templates call it only where they show the banner, so fragments (the
    # progress block, every 2 s per tab) cost no query for it.
    @functools.cache
    def alert():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or none_to_show("alert"):
            return None
        return balance_alert_active()

    # Also called only where shown: the notice that a person's data export is ready.
    @functools.cache
    def export_ready():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or none_to_show("export"):
            return None
        return export_ready_for(user=user)

    # Also called only where shown: budgets past their soft limit this month.
    @functools.cache
    def spend_alerts():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or none_to_show("spend"):
            return []
        return [alert_words(alert) for alert in spend_alerts_for(user=user)]

    # Also called only where shown: requests for approval this person may answer.
    @functools.cache
    def approvals_waiting():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or none_to_show("approvals"):
            return []
        if not approvals_pending_exist():
            return []
        # The app's name in the reader's language (A1's, else the app's own).
        named = approvals_to_decide(user=user).annotate(
            app_name=app_name_expression(
                app_id=OuterRef("batch__app_id"),
                language=a1_language(),
                fallback=F("batch__app_name"),
            )
        )
        return list(named.order_by("created")[:3])

    return {
        "approvals_waiting": approvals_waiting,
        "spend_alerts": spend_alerts,
        "a1_sandbox": settings.A1_USES_SANDBOX,
        "email_configured": settings.EMAIL_CONFIGURED,
        "balance_alert": alert,
        "export_ready": export_ready,
    }
