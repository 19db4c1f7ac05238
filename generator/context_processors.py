from django.conf import settings


def studio(request):
    """Facts every page may show; never the API key itself."""
    return {"a1_sandbox": settings.A1_USES_SANDBOX}
