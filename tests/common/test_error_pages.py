"""The 404 and 500 pages with DEBUG off: styled, with the header and a way back."""

import logging

from django.test import override_settings
from django.urls import include, path

from tests.base import BaseTestCase


def explode(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", explode), path("", include("a1site.urls"))]
handler500 = "common.error_pages.server_error"


@override_settings(DEBUG=False)
class ErrorPageTests(BaseTestCase):
    def test_it_shows_a_styled_404_with_the_header_and_a_way_back(self):
        self.login()
        response = self.client.get("/no/such/page/")
        html = response.content.decode()
        assert response.status_code == 404
        assert "This page is not here" in html
        assert 'class="topbar"' in html and "/static/css/studio.css" in html
        assert 'href="/apps/"' in html and "Log out" in html

    def test_a_missing_run_gets_the_same_page(self):
        self.login()
        response = self.client.get("/generations/00000000-0000-0000-0000-000000000000/")
        assert response.status_code == 404 and b"This page is not here" in response.content

    def test_anonymous_visitors_are_offered_the_log_in(self):
        html = self.client.get("/nowhere/").content.decode()
        assert "This page is not here" in html and 'href="/accounts/login/"' in html

    def test_it_speaks_the_users_language(self):
        self.login()
        response = self.client.get("/nowhere/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert 'lang="zh-hans"' in response.content.decode()

    @override_settings(ROOT_URLCONF=__name__)
    def test_it_shows_a_styled_500_and_logs_the_error(self):
        self.login()
        self.client.raise_request_exception = False
        logging.disable(logging.CRITICAL)  # the traceback is expected here
        try:
            response = self.client.get("/boom/")
        finally:
            logging.disable(logging.NOTSET)
        html = response.content.decode()
        assert response.status_code == 500
        assert "Something went wrong on our side" in html
        assert 'class="topbar"' in html and 'href="/"' in html
        assert "RuntimeError" not in html and "a bug" not in html
