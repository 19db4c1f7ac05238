"""Comparing on a 390 px phone: one result at a time, swiped or stepped with Next, two
laid one over the other with a slider, and "Keep this one" favouriting the chosen."""

import re

from playwright.sync_api import expect

from generator.models import Run
from tests.e2e.conftest import log_in
from tests.e2e.test_it_views_results_in_a_browser import (
    completed_run_with_two_results,
    owner,  # noqa: F401 (a fixture)
    watch_for_refusals,
)

PHONE = {"width": 390, "height": 844}
# Where each result's box is against the phone's screen (Functions, not expressions:
# Playwright evaluates a bare expression with eval(), which our CSP refuses).
ON_SCREEN = """() => [...document.querySelectorAll('.compare-item')].map(item => {
    const box = item.getBoundingClientRect();
    return box.left >= -1 && box.right <= window.innerWidth + 1;
})"""


def test_it_compares_on_a_phone(stack, owner, new_page):  # noqa: F811 (the fixture)
    desk = new_page()
    log_in(desk, stack, "owner")
    run = completed_run_with_two_results(desk, stack)
    first, second = run.results.order_by("index")

    page = new_page(has_touch=True)
    page.set_viewport_size(PHONE)
    log_in(page, stack, "owner")
    refused = watch_for_refusals(page)
    page.goto(f"{stack}/compare/?r={first.id}&r={second.id}")
    nav = page.get_by_role("navigation", name="Results being compared")
    expect(nav).to_contain_text("1 of 2")
    assert page.evaluate(ON_SCREEN) == [True, False]  # the first fills the screen
    expect(nav.get_by_role("button", name="Previous")).to_be_disabled()

    # Next shows the second; so does a swipe back and forth (the grid scrolls sideways).
    nav.get_by_role("button", name="Next").click()
    expect(nav).to_contain_text("2 of 2")
    page.wait_for_function(f"() => ({ON_SCREEN})()[1]")
    expect(nav.get_by_role("button", name="Next")).to_be_disabled()
    page.locator("[data-compare]").evaluate("grid => grid.scrollTo({left: 0})")
    expect(nav).to_contain_text("1 of 2")
    page.locator("[data-compare]").evaluate("grid => grid.scrollTo({left: grid.clientWidth})")
    expect(nav).to_contain_text("2 of 2")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    # The slider: the second over the first, the divide where the range says.
    nav.get_by_role("button", name="Slider").click()
    divide = page.get_by_label("Divide: the first result on the left, the second on the right")
    expect(divide).to_be_visible()
    expect(page.locator("[data-compare-pane]").first).to_be_hidden()
    top = page.locator(".compare-slider-top")
    before = top.evaluate("img => getComputedStyle(img).clipPath")
    divide.fill("20")
    expect(divide).to_have_attribute("aria-valuetext", "20%")
    after = top.evaluate("img => getComputedStyle(img).clipPath")
    assert before != after and "20%" in after, (before, after)
    line = page.locator("[data-compare-frame]").bounding_box()
    assert line is not None and line["width"] <= PHONE["width"]
    nav.get_by_role("button", name="Slider").click()  # back to one at a time
    expect(divide).to_be_hidden()

    # Keep the second: it is a favourite, and the page says so.
    expect(nav).to_contain_text("2 of 2")
    keep = page.get_by_role(
        "button", name=re.compile(r"^Keep this one\W+Watercolor portrait, result 2$")
    )
    expect(keep).to_be_in_viewport()
    keep.click()
    page.get_by_text("Kept result 2 of “Watercolor portrait”: it is in your favourites.").wait_for()
    assert Run.objects.get(pk=run.pk).favourite
    assert refused == []
