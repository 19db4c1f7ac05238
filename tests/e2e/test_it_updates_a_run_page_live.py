"""A run's page, watched in a real browser while the run ends: everything that changes comes
in without a reload, and a tab in the background says so in its title, icon and a notification."""

import pytest
from django.contrib.auth import get_user_model

from generator.models import Run
from tests.e2e.conftest import PASSWORD, generate_from_form, log_in

WATERCOLOR = "1838546335502970881"

# Chromium cannot be sent to the background on demand, so the page is told it is hidden
# (as browsers do for a tab behind another), and notifications are recorded, not drawn.
BACKGROUND_AND_NOTIFICATIONS = """
(() => {
  let state = "visible";
  Object.defineProperty(Document.prototype, "visibilityState", {configurable: true, get: () => state});
  Object.defineProperty(Document.prototype, "hidden", {configurable: true, get: () => state === "hidden"});
  window.e2eVisibility = (next) => {
    state = next;
    document.dispatchEvent(new Event("visibilitychange"));
  };
  window.e2eNotes = [];
  window.Notification = class {
    static permission = "default";
    static async requestPermission() { this.permission = "granted"; return "granted"; }
    constructor(title, options) { window.e2eNotes.push([title, options.body]); }
    close() {}
  };
})();
"""


@pytest.fixture
def owner(transactional_db):
    return get_user_model().objects.create_user("owner", password=PASSWORD)


def test_it_updates_a_run_page_live_and_tells_a_background_tab(stack, owner, new_page, sandbox):
    sandbox.knobs(task_seconds=600)  # the run ends when the test says so
    page = new_page()
    page.add_init_script(BACKGROUND_AND_NOTIFICATIONS)
    log_in(page, stack, "owner")
    generate_from_form(page, stack)
    assert page.locator(".progress-state").inner_text().startswith("Running")
    assert page.get_by_role("link", name="Download all (ZIP)").count() == 0
    assert page.get_by_text("Points spent").count() == 0
    plain_title = page.title()

    toggle = page.get_by_role("button", name="Notify me when runs finish")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    page.wait_for_selector("[data-notify-toggle][aria-pressed=true]")

    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("window.e2eVisibility('hidden')")  # the person looks at another tab
    run = Run.objects.get()
    sandbox.finish(run.task_id)

    page.get_by_role("link", name="Download all (ZIP)").wait_for(timeout=30_000)
    assert page.locator(".result img").count() == 1
    assert "Completed" in page.inner_text(".progress-state")
    assert page.get_by_text("Points spent").is_visible()
    assert page.get_by_role("link", name="Remix").is_visible()
    assert navigations == []  # no reload: htmx swapped the run in
    page.wait_for_function("document.title.startsWith('(1) ')")
    assert page.title() == f"(1) {plain_title}"
    icon = page.locator('link[rel="icon"]')
    assert "favicon-done" in icon.get_attribute("href")
    assert page.evaluate("window.e2eNotes") == [["Run finished", "Watercolor portrait"]]
    # The swapped-in page keeps the person's choice and has stopped polling.
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.locator("[hx-trigger]").count() == 0

    page.evaluate("window.e2eVisibility('visible')")  # back to this tab
    page.wait_for_function("!document.title.startsWith('(')")
    assert page.title() == plain_title
    assert "favicon-done" not in icon.get_attribute("href")
