"""Saving a preset from an app's form swaps in the saved form and the preset list with
htmx: nothing in them may trip our Content Security Policy (no inline styles)."""

from django.contrib.auth import get_user_model

from tests.e2e.conftest import PASSWORD, log_in

WATERCOLOR = "1838546335502970881"


def test_it_saves_a_preset_under_our_csp(stack, transactional_db, new_page):
    get_user_model().objects.create_user("solo", password=PASSWORD)
    page = new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "style-src" in m.text else None,
    )
    page.on("pageerror", lambda e: refused.append(str(e)))
    log_in(page, stack, "solo")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")
    page.get_by_text("Save these choices as a preset").click()
    page.get_by_label("Preset name").fill("Mine")
    page.get_by_role("button", name="Save preset").click()
    page.get_by_text("Preset “Mine” saved.").wait_for()
    page.get_by_role("link", name="Mine").wait_for()
    page.wait_for_load_state("networkidle")
    assert refused == []
