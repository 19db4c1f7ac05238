"""Looking at results: the viewer (large, previous/next by keyboard, download, Esc) and
the compare page (side by side at one zoom, swiped on a phone), under our CSP."""

import pytest
from django.contrib.auth import get_user_model

from generator.models import Run
from tests.e2e.conftest import PASSWORD, generate_from_form, log_in

WATERCOLOR = "1838546335502970881"


@pytest.fixture
def owner(transactional_db):
    return get_user_model().objects.create_user("owner", password=PASSWORD)


def watch_for_refusals(page) -> list[str]:
    """Anything our CSP refused, and any script error, as the page runs."""
    refused = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.on("pageerror", lambda e: refused.append(str(e)))
    return refused


def completed_run_with_two_results(page, base_url: str) -> Run:
    generate_from_form(page, base_url, images=2)
    # Functions, not expressions: Playwright evaluates a bare expression with eval(),
    # which our CSP refuses.
    page.wait_for_function(
        "() => document.querySelectorAll('.result a[data-viewer] img').length === 2",
        timeout=30_000,
    )
    return Run.objects.get()


# The address of the image on the viewer's current slide, once it has loaded.
SHOWN = """() => {
    const img = document.querySelector(
        '.pswp__item[aria-hidden="false"] img.pswp__img:not(.pswp__img--placeholder)');
    return img && img.complete && img.naturalWidth ? new URL(img.src).pathname : '';
}"""


@pytest.fixture
def run_page(stack, owner, new_page):
    """A completed run with two results, its page open, and CSP refusals recorded."""
    page = new_page()
    log_in(page, stack, "owner")
    run = completed_run_with_two_results(page, stack)
    # (The app page shows the sandbox's covers from a port the test CSP does not name.)
    refused = watch_for_refusals(page)
    page.reload()
    return page, run, refused


def test_it_opens_results_large_and_steps_through_them_by_keyboard(run_page):
    page, run, refused = run_page
    first, second = run.results.order_by("index")

    page.locator(".result a[data-viewer]").first.click()
    viewer = page.get_by_role("dialog", name="Image viewer")
    viewer.wait_for()
    page.wait_for_function(f"path => ({SHOWN})() === path", arg=f"/media/results/{first.id}")
    assert page.locator(".pswp__counter").inner_text().strip() == "1 / 2"

    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"path => ({SHOWN})() === path", arg=f"/media/results/{second.id}")
    assert page.locator(".pswp__counter").inner_text().strip() == "2 / 2"
    download = viewer.get_by_role("link", name="Download")
    assert download.get_attribute("href") == f"/media/results/{second.id}?download=1"
    with page.expect_download() as saved:
        download.click()
    assert saved.value.suggested_filename.startswith(f"watercolor-portrait-{str(run.id)[:8]}-2.")

    page.keyboard.press("Escape")
    viewer.wait_for(state="detached")
    # Focus goes back to the link that opened it, for keyboard users.
    assert page.evaluate("document.activeElement.matches('.result a[data-viewer]')")
    assert refused == []


def test_it_compares_two_results_side_by_side_at_one_zoom(stack, run_page):
    page, run, refused = run_page
    first, second = run.results.order_by("index")

    for box in page.get_by_role("checkbox", name="Compare").all():
        box.check()
    page.get_by_role("button", name="Compare selected").click()
    page.wait_for_url("**/compare/?r=*")
    panes = page.locator("[data-compare-pane]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-compare-pane] img')]"
        ".filter(img => img.complete && img.naturalWidth > 0).length === 2"
    )
    sources = panes.locator("img").evaluate_all("imgs => imgs.map(i => new URL(i.src).pathname)")
    assert sources == [f"/media/results/{first.id}", f"/media/results/{second.id}"]
    one, two = panes.nth(0).bounding_box(), panes.nth(1).bounding_box()
    assert one["y"] == two["y"] and one["x"] < two["x"]  # side by side at a desk

    widths = "imgs => imgs.map(i => i.getBoundingClientRect().width)"
    fitted = panes.locator("img").evaluate_all(widths)
    page.get_by_label("Zoom", exact=True).fill("200")
    page.wait_for_function(
        "width => [...document.querySelectorAll('[data-compare-pane] img')]"
        ".every(i => Math.abs(i.getBoundingClientRect().width - 2 * width) < 2)",
        arg=fitted[0],
    )
    assert page.locator("output[for=compare-zoom]").inner_text() == "200%"
    # Moving one moves the other to the same spot.
    panes.nth(0).evaluate("pane => pane.scrollTo(pane.scrollWidth, pane.scrollHeight)")
    page.wait_for_function(
        "() => { const p = document.querySelectorAll('[data-compare-pane]');"
        " return p[1].scrollLeft > 0 && Math.abs(p[1].scrollLeft - p[0].scrollLeft) < 2"
        " && Math.abs(p[1].scrollTop - p[0].scrollTop) < 2; }"
    )

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: one at a time, swiped
    page.wait_for_function(
        "() => { const p = document.querySelectorAll('[data-compare-pane]');"
        " return p[1].getBoundingClientRect().left >= p[0].getBoundingClientRect().right - 1; }"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert refused == []
