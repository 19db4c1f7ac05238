"""Every redirect target that comes from the request stays on this site."""

from tests.base import PASSWORD, TrackingTestCase

ELSEWHERE = [
    "//evil.example",
    "//evil.example/",
    "https://evil.example/",
    "http://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "http:/\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "\t//evil.example",
]


class RedirectTests(TrackingTestCase):
    def test_favourite_goes_back_only_to_our_own_pages(self):
        run = self.start()
        url = f"/generations/{run.id}/favourite/"
        for target in ELSEWHERE:
            response = self.client.post(url, {"favourite": "1", "next": target})
            assert response.status_code == 302, target
            assert response["Location"] == f"/generations/{run.id}/", target
        response = self.client.post(url, {"favourite": "0", "next": "/history/?page=2"})
        assert response["Location"] == "/history/?page=2"

    def test_log_in_never_sends_anyone_elsewhere(self):
        for target in ELSEWHERE:
            self.client.logout()
            response = self.client.post(
                f"/accounts/login/?next={target}", {"username": "owner", "password": PASSWORD}
            )
            assert response.status_code == 302, target
            assert response["Location"] == "/apps/", target

    def test_switching_language_never_sends_anyone_elsewhere(self):
        for target in ELSEWHERE:
            response = self.client.post("/i18n/setlang/", {"language": "en", "next": target})
            assert response.status_code == 302, target
            assert response["Location"] == "/", target
