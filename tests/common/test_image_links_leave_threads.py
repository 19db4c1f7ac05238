"""Eight image links to a server that trickles its answer, given at once to a web process
of four threads (gunicorn, as in production): `/ping` and a history page still answer
within a second, and everyone who gave a link is told what happened next to the field,
with a 200, never a 500 or a hung request."""

import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth import get_user_model

from bench.harness import first_group, login
from tests.base import WATERCOLOR
from tests.conftest import ROOT, free_port, subprocess_env, wait_until
from tests.hostile_net import LocalServer, trickle_body

SLOT = "cnet_17466175263110005"
BUSY = "Many image links are being fetched right now."
FAILED = "We could not fetch an image from that link."


def start_gunicorn(sandbox, settings, **env) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "a1site.wsgi:application",
         "--config", str(ROOT / "a1site" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"],
        env=subprocess_env(sandbox, settings, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    assert wait_until(lambda: _answers(url), timeout=60), "gunicorn did not start"
    return process, url


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/ping", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or still loading the app
        return False


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_trickling_image_links_leave_threads_for_everyone_else(sandbox, settings):
    get_user_model().objects.create_user("owner", password="pw-for-trickle-test-1")
    trickle = LocalServer(trickle_body(step=0.2))  # a byte every 0.2 s, for ever
    web, url = start_gunicorn(
        sandbox,
        settings,
        WEB_WORKERS="1",
        WEB_THREADS="4",
        IMAGE_URL_ALLOW_PRIVATE="1",  # the trickling server is on loopback
        IMAGE_LINK_DEADLINE="8",
    )
    try:
        browser = login(url, "owner", "pw-for-trickle-test-1")
        assert browser.get(f"{url}/history/", timeout=10).status_code == 200  # warm, as in use
        form = browser.get(f"{url}/apps/{WATERCOLOR}/", timeout=10)
        assert first_group(r'name="idempotency_key" value="([0-9a-f-]+)"', form.text)

        def give_link(n: int) -> requests.Response:
            return browser.post(
                f"{url}/apps/{WATERCOLOR}/",
                data={
                    "idempotency_key": str(uuid.uuid4()),
                    "style": "183854633550716522",
                    "size": "1",
                    "generate_num": "1",
                    f"{SLOT}_url": trickle.url(f"/photo-{n}.jpg"),
                },
                headers={"X-CSRFToken": browser.cookies["csrftoken"], "Referer": form.url},
                allow_redirects=False,
                timeout=30,
            )

        with ThreadPoolExecutor(8) as people:
            answers = [people.submit(give_link, n) for n in range(8)]
            assert wait_until(lambda: trickle.hits >= 1, timeout=10), "no link was fetched"
            for path in ("/ping", "/history/"):
                started = time.monotonic()
                response = browser.get(f"{url}{path}", timeout=10)
                took = time.monotonic() - started
                assert response.status_code == 200, path
                assert took < 1.0, f"{path} took {took:.2f} s while links trickled"
            assert any(not answer.done() for answer in answers), "the trickle ended early"
            pages = [answer.result() for answer in answers]
    finally:
        web.kill()
        web.wait()
        trickle.stop()
    assert [page.status_code for page in pages] == [200] * 8
    busy = sum(BUSY in page.text for page in pages)
    failed = sum(FAILED in page.text for page in pages)
    assert busy + failed == 8
    assert busy >= 8 - 2  # two fetch slots of four threads; the rest are told at once
    assert trickle.hits == failed
