from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Data lifecycle")

    def ready(self):
        # Imported once the apps are loaded (they read models): the export notice joins
        # the token of kept gallery pages, which the core cannot import from here.
        from generator.galleries.pages import TokenSource, page_token_sources

        # ...and the exports service reads the models too.
        from lifecycle.exports import export_page_token_params, export_page_token_sql

        source = TokenSource(sql=export_page_token_sql, params=export_page_token_params)
        if source not in page_token_sources:
            page_token_sources.append(source)
