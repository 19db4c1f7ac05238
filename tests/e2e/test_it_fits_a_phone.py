"""At 390 px: no sideways scrolling, a compact header with a working menu, folded filters."""

import uuid

import pytest
from django.contrib.auth import get_user_model

from generator.audit.models import Act, AuditEntry
from generator.models import Membership, Run, Team
from tests.e2e.conftest import PASSWORD, log_in

PAGES = ("/apps/", "/history/", "/team/", "/enhance/", "/usage/", "/trash/")


@pytest.fixture
def staff_page(live_server, sandbox, settings, transactional_db, new_page):
    settings.A1_BASE_URL = sandbox.url
    settings.A1_API_KEY = "sandbox"
    staff = get_user_model().objects.create_user(
        "a-rather-long-staff-name", password=PASSWORD, is_staff=True, is_superuser=True
    )
    team = Team.objects.create(name="Studio")
    Membership.objects.create(team=team, user=staff, role="manager")
    Run.objects.create(
        user=staff,
        idempotency_key=uuid.uuid4(),
        app_id="1838546335502970881",
        app_name="Watercolor portrait",
        team=team,
    )
    page = new_page(is_mobile=True, has_touch=True)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "a-rather-long-staff-name")
    return page, live_server.url


def test_no_page_scrolls_sideways_and_the_header_stays_small(staff_page):
    page, base = staff_page
    for path in PAGES:
        page.goto(base + path)
        page.wait_for_function("document.documentElement.classList.contains('js')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert page.locator(".topbar").bounding_box()["height"] <= 64, path


def test_the_audit_log_scrolls_its_table_not_the_page(staff_page):
    # Its "became" between a value before and after is visually hidden (absolute): in a
    # table that scrolls sideways it once widened the whole page to 578 px.
    page, base = staff_page
    for n in range(3):
        AuditEntry.objects.create(
            act=Act.ROLE_CHANGED, actor_name="a-rather-long-staff-name", via="page",
            subject_name=f"mika-{n}", team_name="Studio", target=f"membership {n}",
            before={"role": "member"}, after={"role": "manager"},
        )  # fmt: skip
    page.goto(base + "/staff/audit/")
    assert page.locator(".audit-log tbody tr").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wide = page.locator(".table-scroll")
    assert wide.evaluate("e => e.scrollWidth > e.clientWidth")  # the table itself scrolls


def test_the_menu_opens_closes_and_reaches_admin(staff_page):
    page, base = staff_page
    page.goto(base + "/apps/")
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="Admin").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="Admin").is_visible()
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.dataset.menuToggle") == ""


def test_filters_start_folded_on_a_phone_unless_in_use(staff_page):
    page, base = staff_page
    page.goto(base + "/history/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    assert not page.get_by_label("Search").is_visible()
    assert page.locator(".gen-card").first.is_visible()
    page.locator(".filters-panel summary").click()
    assert page.get_by_label("Search").is_visible()
    page.goto(base + "/history/?q=water")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    assert page.get_by_label("Search").is_visible()
    # A reversed date range: what went wrong is said by the field, so the panel stays open.
    page.goto(base + "/history/?date_from=2026-12-07&date_to=2026-12-01")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    assert page.get_by_text("The end is before the start.").is_visible()


def test_the_team_menu_shows_only_for_my_team(staff_page):
    page, base = staff_page
    run = Run.objects.get()
    page.goto(f"{base}/generations/{run.id}/")
    team = page.locator("#share-team")
    assert not team.is_visible()
    page.get_by_label("Who can see it").select_option("team")
    assert team.is_visible()
