"""Browser tests: Playwright drives Debian's chromium against the live portal.

The portal runs in pytest-django's live server (its test database is a file, shared
with a real `runworker` process) and talks to the sandbox over HTTP.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, image_bytes, start_worker

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("E2E_REQUIRED"):
        raise pytest.UsageError(
            f"browser tests need chromium at {CHROMIUM} (apt-get install chromium)"
        )
    skip = pytest.mark.skip(reason="chromium is not installed: browser tests skipped")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def stack(live_server, sandbox, settings):
    """The live portal wired to the sandbox, with one real worker process."""
    settings.A1_BASE_URL = sandbox.url
    settings.A1_API_KEY = "sandbox"
    settings.A1_POLL_INTERVAL = 0.5
    sandbox.knobs(task_seconds=2)
    worker = start_worker(sandbox, settings)
    yield live_server.url
    worker.kill()
    worker.wait()


@pytest.fixture
def new_page(browser, request):
    """Pages in fresh browser contexts (one per person); screenshots kept on failure."""
    contexts = []

    def make(**options):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                page.screenshot(
                    path=str(ARTIFACTS / f"{request.node.name}-{n}-{m}.png"), full_page=True
                )
    for context in contexts:
        context.close()


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/apps/")


def generate_from_form(page, base_url: str, *, images: int = 1) -> None:
    """Open the watercolour app, give it one photo, press Generate and land on the run."""
    page.goto(f"{base_url}/apps/1838546335502970881/")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}],
    )
    if images != 1:
        page.get_by_label(str(images), exact=True).check()
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/generations/**")
