from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from common.tracing import tracing_start


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # Before the first request loads the middleware: the Django instrumentation adds its own.
        tracing_start()
