"""Image links typed by users: no request reaches a private address, and no link costs
more than a few seconds or a bounded number of bytes. Every refusal is the same
generic message, next to the field, with a 200.

These run with IMAGE_URL_ALLOW_PRIVATE off. The servers are real and local; the names
and public addresses around them come from the pretend internet in tests/hostile_net.py.
"""

import time

import pytest

from common.image_links import fetch_image
from common.images import ImageRejected
from generator.models import Run
from tests.base import BaseTestCase
from tests.hostile_net import (
    PUBLIC_A,
    PUBLIC_B,
    LocalServer,
    endless_unannounced,
    fake_internet,
    huge_announced,
    jpeg,
    redirect_to,
    serve_image,
    trickle_body,
    trickle_headers,
)

GENERIC = b"We could not fetch an image from that link."
SLOT = "cnet_17466175263110005"


class ImageLinkTests(BaseTestCase):
    @pytest.fixture(autouse=True)
    def _network(self, _use_sandbox, monkeypatch, settings):
        settings.IMAGE_URL_ALLOW_PRIVATE = False
        settings.IMAGE_LINK_DEADLINE = 1.0  # short, so the slow servers cost a second each
        self.internal = LocalServer(serve_image(jpeg(color="red")))  # what must stay unreached
        self.public = LocalServer(serve_image(jpeg(color="blue")))
        with fake_internet(monkeypatch) as net:
            self.net = net
            net.route(PUBLIC_A, 80, self.public)
            net.names["images.test"] = [PUBLIC_A]
            yield
        self.internal.stop()
        self.public.stop()

    def setUp(self):
        self.login()
        self.key = self.form_key(self.form_page())

    def submit_link(self, url: str):
        data = self.watercolor_post(self.key, **{SLOT: None, f"{SLOT}_url": url})
        return self.submit(data=data)

    def assert_refused(self, url: str, message: bytes = GENERIC):
        response = self.submit_link(url)
        assert response.status_code == 200, url
        assert message in response.content, url
        assert b'aria-invalid="true"' in response.content, url
        return response

    def assert_internal_untouched(self):
        assert self.internal.hits == 0
        assert self.net.connected_to(self.internal.port) == []
        assert Run.objects.count() == 0

    # --- the address itself ----------------------------------------------------------

    def test_it_refuses_loopback_private_and_link_local_addresses(self):
        port = self.internal.port
        for url in (
            f"http://127.0.0.1:{port}/x.jpg",
            f"http://localhost:{port}/x.jpg",
            f"http://0.0.0.0:{port}/x.jpg",
            f"http://10.0.0.8:{port}/x.jpg",
            f"http://172.16.0.1:{port}/x.jpg",
            f"http://192.168.1.1:{port}/x.jpg",
            f"http://100.64.0.1:{port}/x.jpg",
            f"http://169.254.169.254:{port}/latest/meta-data/",
            f"https://127.0.0.1:{port}/x.jpg",
        ):
            self.assert_refused(url)
        self.assert_internal_untouched()

    def test_it_refuses_every_ipv6_spelling_of_a_local_address(self):
        port = self.internal.port
        for url in (
            f"http://[::1]:{port}/x.jpg",
            f"http://[::]:{port}/x.jpg",
            f"http://[fe80::1]:{port}/x.jpg",
            f"http://[fd00::1]:{port}/x.jpg",
            f"http://[::ffff:127.0.0.1]:{port}/x.jpg",  # IPv4-mapped
            f"http://[::ffff:7f00:1]:{port}/x.jpg",
            f"http://[::127.0.0.1]:{port}/x.jpg",  # IPv4-compatible (deprecated)
            f"http://[64:ff9b::7f00:1]:{port}/x.jpg",  # NAT64 of 127.0.0.1
            f"http://[64:ff9b::a9fe:a9fe]:{port}/x.jpg",  # NAT64 of 169.254.169.254
            f"http://[2002:7f00:1::1]:{port}/x.jpg",  # 6to4 of 127.0.0.1
        ):
            self.assert_refused(url)
        self.assert_internal_untouched()

    def test_it_refuses_decimal_octal_and_hex_spellings_of_loopback(self):
        port = self.internal.port
        spellings = [
            f"http://2130706433:{port}/x.jpg",
            f"http://0177.0.0.1:{port}/x.jpg",
            f"http://0x7f.0.0.1:{port}/x.jpg",
            f"http://0x7f000001:{port}/x.jpg",
            f"http://127.1:{port}/x.jpg",
        ]
        for url in spellings:  # the form does not take them for links at all
            self.assert_refused(url, b"Enter a valid URL.")
        for url in spellings:  # and the fetcher refuses them on its own
            with pytest.raises(ImageRejected, match="We could not fetch an image"):
                fetch_image(url)
        self.assert_internal_untouched()

    def test_it_connects_to_exactly_the_address_it_checked(self):
        # DNS rebinding: the first answer is public, every later one is loopback, where the
        # internal server listens on the link's port.
        self.net.names["rebind.test"] = [PUBLIC_A, "127.0.0.1"]
        self.net.route(PUBLIC_A, self.internal.port, self.public)
        response = self.submit_link(f"http://rebind.test:{self.internal.port}/x.jpg")
        assert response.status_code == 302  # the run started, with the public image
        assert self.net.lookups == ["rebind.test"]  # one look-up, and its answer was used
        assert self.public.hits == 1
        assert self.internal.hits == 0
        assert ("127.0.0.1", self.internal.port) not in self.net.connections
        photo = Run.objects.get().inputs.get()
        assert photo.source_url.startswith("http://rebind.test:")

    # --- what the server does ---------------------------------------------------------

    def test_it_checks_every_redirect_hop(self):
        redirector = LocalServer(redirect_to(self.internal.url()))
        self.net.route(PUBLIC_B, 80, redirector)
        self.net.names["short.test"] = [PUBLIC_B]
        self.assert_refused("http://short.test/abc")
        assert redirector.hits == 1
        self.assert_internal_untouched()
        redirector.stop()

    def test_it_refuses_redirects_to_other_schemes_and_loops(self):
        for location in ("file:///etc/passwd", "gopher://images.test/x", "http://short.test/"):
            redirector = LocalServer(redirect_to(location))
            self.net.route(PUBLIC_B, 80, redirector)
            self.net.names["short.test"] = [PUBLIC_B]
            self.assert_refused("http://short.test/")
            redirector.stop()
        self.assert_internal_untouched()

    def test_it_answers_an_impossible_port_with_a_message(self):
        self.assert_refused("http://images.test:99999/x.jpg")
        self.assert_refused("http://images.test:0/x.jpg")

    def test_it_gives_the_same_message_whatever_the_upstream_answer(self):
        for status in (403, 404, 500):
            server = LocalServer(lambda h, s=status: h.send_error(s))
            self.net.route(PUBLIC_B, 80, server)
            self.net.names["status.test"] = [PUBLIC_B]
            response = self.assert_refused("http://status.test/x.jpg")
            assert b"answered with HTTP" not in response.content  # nothing to probe ports by
            server.stop()

    def test_it_gives_up_on_a_server_that_trickles_the_body(self):
        self.assert_gives_up_in_time(trickle_body())

    def test_it_gives_up_on_a_server_that_trickles_the_headers(self):
        self.assert_gives_up_in_time(trickle_headers())

    def assert_gives_up_in_time(self, behaviour):
        slow = LocalServer(behaviour)
        self.net.route(PUBLIC_B, 80, slow)
        self.net.names["slow.test"] = [PUBLIC_B]
        started = time.monotonic()
        self.assert_refused("http://slow.test/x.jpg")
        # The deadline is 1 s; a read timeout alone would wait for ever on 1 byte / 0.2 s.
        assert time.monotonic() - started < 3
        assert slow.hits == 1
        slow.stop()

    def test_it_refuses_an_announced_2_gb_body_without_reading_it(self):
        huge = LocalServer(huge_announced())
        self.net.route(PUBLIC_B, 80, huge)
        self.net.names["huge.test"] = [PUBLIC_B]
        started = time.monotonic()
        self.assert_refused("http://huge.test/x.jpg")
        assert time.monotonic() - started < 3
        huge.stop()

    def test_it_stops_reading_an_unannounced_body_at_the_cap(self):
        endless = LocalServer(endless_unannounced())
        self.net.route(PUBLIC_B, 80, endless)
        self.net.names["endless.test"] = [PUBLIC_B]
        self.assert_refused("http://endless.test/x.jpg")
        endless.stop()

    def test_it_ignores_proxies_from_the_environment(self):
        proxy = LocalServer(serve_image(jpeg(color="green")))
        with pytest.MonkeyPatch.context() as env:
            env.setenv("HTTP_PROXY", proxy.url(""))
            env.setenv("http_proxy", proxy.url(""))
            env.setenv("NO_PROXY", "127.0.0.1,localhost")  # the sandbox, for A1 calls
            response = self.submit_link("http://images.test/x.jpg")
        assert response.status_code == 302
        assert proxy.hits == 0 and self.public.hits == 1
        proxy.stop()


def test_it_takes_links_to_loopback_only_when_told_to(settings, monkeypatch):
    """The sandbox and the tests serve images from loopback: that needs the setting."""
    server = LocalServer(serve_image(jpeg()))
    settings.IMAGE_URL_ALLOW_PRIVATE = False
    with pytest.raises(ImageRejected):
        fetch_image(server.url())
    settings.IMAGE_URL_ALLOW_PRIVATE = True
    assert fetch_image(server.url()) == jpeg()
    assert server.hits == 1
    server.stop()
