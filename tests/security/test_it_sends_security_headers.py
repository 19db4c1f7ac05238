"""Security headers on every page; secrets nowhere in pages or logs."""

import logging

from tests.base import BaseTestCase


class HeaderTests(BaseTestCase):
    def test_pages_carry_csp_nosniff_referrer_and_frame_denial(self):
        self.login()
        for url in ("/accounts/login/", "/apps/", "/history/", "/healthz"):
            response = self.client.get(url)
            csp = response["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Referrer-Policy"] == "same-origin"
            assert response["X-Frame-Options"] == "DENY"

    def test_scripts_run_only_with_the_pages_nonce(self):
        self.login()
        response = self.client.get("/apps/")
        nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
        html = response.content.decode()
        assert html.count("<script") == html.count(f'nonce="{nonce}"')

    def test_hsts_when_enabled_on_https(self):
        with self.settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True):
            response = self.client.get("/accounts/login/", secure=True)
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


class SecretTests(BaseTestCase):
    def test_no_page_or_log_line_carries_the_api_key_or_secret_key(self):
        from django.conf import settings

        key = "sk-live-do-not-leak-0123456789"
        records = []
        handler = logging.Handler()
        handler.emit = lambda record: records.append(record.getMessage())
        logging.getLogger().addHandler(handler)
        try:
            with self.settings(A1_API_KEY=key):
                self.login()
                pages = [
                    self.client.get(u).content.decode() for u in ("/apps/", "/history/", "/team/")
                ]
                pages.append(
                    self.client.get("/apps/1838546335502970881/").content.decode()
                )  # 10411
                self.login(self.staff)
                pages += [self.client.get(u).content.decode() for u in ("/usage/", "/admin/")]
        finally:
            logging.getLogger().removeHandler(handler)
        assert any("Invalid API key" in r or "10411" in r for r in records)
        for text in [*pages, *records]:
            assert key not in text
            assert settings.SECRET_KEY not in text
