"""In a real browser: a manager invites someone by email with a role; the email reaches
a real SMTP server the test starts; the newcomer signs up from the emailed link and is
in the team with that role and address. A new API key has a Copy button, and the API
docs sit inside the portal's frame."""

from django.contrib.auth import get_user_model

from generator.models import Membership, Team
from tests.e2e.conftest import PASSWORD, log_in
from tests.mailbox import link_in


def test_a_manager_invites_by_email_and_the_newcomer_joins_from_it(
    live_server, transactional_db, new_page, mailbox
):
    User = get_user_model()
    manager = User.objects.create_user("manager", password=PASSWORD)
    team = Team.objects.create(name="Studio")
    Membership.objects.create(team=team, user=manager, role=Membership.Role.MANAGER)

    page = new_page()
    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/team/")
    page.get_by_label("Email address (optional)").fill("mei@example.com")
    page.get_by_label("Joins as").select_option("manager")
    with page.expect_navigation():
        page.get_by_role("button", name="Create an invite link").click()
    assert "The invite is emailed to mei@example.com." in page.inner_text(".messages")
    pending = page.get_by_role("list", name="Pending invites").get_by_role("listitem")
    assert "Emailed to mei@example.com." in pending.first.inner_text()

    link = link_in(mailbox.wait_for("mei@example.com"))
    newcomer = new_page()
    newcomer.goto(link)
    newcomer.get_by_label("Username").fill("mei")
    newcomer.get_by_label("Password", exact=True).fill(PASSWORD)
    newcomer.get_by_label("Password confirmation").fill(PASSWORD)
    newcomer.get_by_role("button", name="Create account and join").click()
    newcomer.wait_for_url("**/team/")
    mei = User.objects.get(username="mei")
    assert mei.email == "mei@example.com"
    assert Membership.objects.get(team=team, user=mei).role == "manager"


def test_a_new_key_is_copied_with_a_button_and_the_docs_are_in_the_frame(
    live_server, transactional_db, new_page
):
    get_user_model().objects.create_user("owner", password=PASSWORD)
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    log_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/account/keys/")
    page.get_by_label("Name").fill("nightly export")
    page.get_by_role("button", name="Create key").click()
    token = page.get_by_label("Key", exact=True).input_value()
    page.get_by_role("button", name="Copy key").click()
    page.get_by_text("Key copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == token

    page.get_by_role("link", name="documentation").click()
    # The reference is drawn on the server (Swagger UI loads only when asked).
    page.locator("details.api-op summary", has_text="/api/v1/me").first.wait_for()
    assert page.get_by_role("heading", name="API documentation", level=1).is_visible()
    # The portal's frame: its menu, and the way back to the keys.
    page.get_by_role("link", name="API keys").first.click()
    page.wait_for_url("**/account/keys/")
