"""Result downloads have a total deadline and a byte cap, like image links."""

import time

import pytest

from a1 import A1Client, A1Error, Code
from tests.conftest import fast_retry
from tests.hostile_net import (
    LocalServer,
    huge_announced,
    jpeg,
    serve_image,
    trickle_body,
    trickle_headers,
)


def client(deadline: float = 0.5) -> A1Client:
    # No API call is made: these talk only to the local "storage" servers.
    return A1Client("http://127.0.0.1:9", "sandbox", retry=fast_retry(), download_deadline=deadline)


@pytest.mark.parametrize("behaviour", [trickle_body, trickle_headers])
def test_it_gives_up_on_storage_that_trickles(behaviour):
    slow = LocalServer(behaviour())
    started = time.monotonic()
    with pytest.raises(A1Error) as caught:
        client().download(slow.url())
    # Three attempts of half a second each; a read timeout alone would never end.
    assert time.monotonic() - started < 3
    assert caught.value.code == Code.TIMEOUT and caught.value.retry_safe
    assert slow.hits == 3
    slow.stop()


def test_it_refuses_a_2_gb_result_without_reading_or_retrying_it():
    huge = LocalServer(huge_announced())
    started = time.monotonic()
    with pytest.raises(A1Error) as caught:
        client().download(huge.url(), max_bytes=10 * 1024 * 1024)
    assert time.monotonic() - started < 2
    assert caught.value.code == Code.BAD_RESPONSE and not caught.value.retry_safe
    assert huge.hits == 1
    huge.stop()


def test_it_still_downloads_an_ordinary_result():
    server = LocalServer(serve_image(jpeg()))
    assert client().download(server.url()) == jpeg()
    server.stop()
