from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

import api
from accounts.views import auth, profile, sso
from common import pwa
from common.admin import MOVED_ADMIN, moved_admin_page, renamed_admin_page
from gateway import urls as gateway_urls
from ops import health, metrics

handler500 = "common.error_pages.server_error"

urlpatterns = [
    path("", RedirectView.as_view(url="/apps/", permanent=False)),
    path("accounts/login/", sso.password_login_or_sso(auth.LoginView.as_view()), name="login"),
    path("accounts/logout/", sso.logout, name="logout"),
    path("sso/start/", sso.start, name="sso_start"),
    path("sso/callback/", sso.callback, name="sso_callback"),
    path("admin/login/", sso.admin_login_or_sso(admin.site.login)),
    re_path(
        rf"^admin/generator/(?P<model>{'|'.join(MOVED_ADMIN)})/(?P<rest>.*)$", moved_admin_page
    ),
    re_path(r"^admin/generator/generation/(?P<rest>.*)$", renamed_admin_page),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.live, name="healthz_live"),
    path("healthz/ready", health.ready, name="healthz_ready"),
    path("ping", health.ping, name="ping"),
    path("metrics", metrics.metrics, name="metrics"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    # Django's language switch, which also saves the choice of someone logged in.
    path("i18n/setlang/", profile.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "jsi18n/",
        cache_page(3600)(JavaScriptCatalog.as_view(packages=["generator"])),
        name="javascript-catalog",
    ),
    path("api/v1/", api.urls()),
    path("open-api/v1/a1/", include(gateway_urls)),
    path("", include("library.urls")),
    path("", include("lifecycle.urls")),
    path("", include("accounts.urls")),
    path("", include("generator.urls")),
]
