"""On a 390 px phone the bulk bar's Delete, ZIP, Compare and Share are on screen (no
hidden sideways scroll), and Delete works."""

import uuid

import pytest
from django.contrib.auth import get_user_model

from generator.models import Run
from tests.e2e.conftest import PASSWORD, log_in

PHONE = {"width": 390, "height": 844}

ON_SCREEN = """el => {
    const box = el.getBoundingClientRect();
    const inside = box.left >= 0 && box.right <= window.innerWidth && box.top >= 0
        && box.bottom <= window.innerHeight && box.width > 0;
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return inside && (hit === el || el.contains(hit));
}"""


@pytest.fixture
def owner(transactional_db):
    return get_user_model().objects.create_user("owner", password=PASSWORD)


@pytest.fixture
def portal(live_server, sandbox, settings):
    settings.A1_BASE_URL = sandbox.url
    settings.A1_API_KEY = "sandbox"
    return live_server.url


def test_it_deletes_from_the_bulk_bar_on_a_phone(portal, owner, new_page):
    runs = [
        Run.objects.create(
            user=owner,
            app_id="1838546335502970881",
            app_name="Watercolor portrait",
            state="completed",
            idempotency_key=uuid.uuid4(),
        )
        for _ in range(3)
    ]
    page = new_page(is_mobile=True, has_touch=True)
    page.set_viewport_size(PHONE)
    log_in(page, portal, "owner")
    page.goto(f"{portal}/history/")
    page.locator(f"#card-{runs[0].id} .card-pick-hit").tap()
    bar = page.locator("[data-bulk-bar] .bulk-actions")
    bar.wait_for()
    for name in ("Delete", "Download ZIP", "Make private"):
        button = bar.get_by_role("button", name=name)
        assert page.evaluate(ON_SCREEN, button.element_handle()), name
    actions = bar.element_handle()
    assert page.evaluate("el => el.scrollWidth <= el.clientWidth", actions)
    bar.get_by_role("button", name="Delete").tap()
    page.get_by_role("button", name="Undo").wait_for()
    page.locator(f"#card-{runs[0].id}").wait_for(state="detached")
    runs[0].refresh_from_db()
    assert runs[0].deleted_at is not None
    assert Run.objects.filter(deleted_at__isnull=True).count() == 2
