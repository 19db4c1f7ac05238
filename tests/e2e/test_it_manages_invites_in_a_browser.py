"""A manager invites someone from the team page with the keyboard: copy the link, and
revoke another; the newcomer signs up through the copied link."""

from django.contrib.auth import get_user_model

from generator.models import Invite, Membership, Team
from tests.e2e.conftest import PASSWORD, log_in


def test_a_manager_copies_one_invite_link_and_revokes_another(
    live_server, transactional_db, new_page
):
    User = get_user_model()
    manager = User.objects.create_user("manager", password=PASSWORD)
    team = Team.objects.create(name="Studio")
    Membership.objects.create(team=team, user=manager, role=Membership.Role.MANAGER)

    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/team/")
    for _ in range(2):
        with page.expect_navigation():
            page.get_by_role("button", name="Create an invite link").click()
    invites = page.get_by_role("list", name="Pending invites").get_by_role("listitem")
    assert invites.count() == 2
    newest, oldest = Invite.objects.order_by("-created")

    # Keyboard only: focus the first copy button and press Enter.
    copy = invites.first.get_by_role("button", name="Copy link")
    copy.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('[data-copy-status]').textContent !== ''")
    assert invites.first.get_by_role("status").inner_text() == "Link copied."
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{live_server.url}/team/join/{newest.token}/"
    assert invites.first.get_by_role("link").get_attribute("href") == copied

    invites.nth(1).get_by_role("button", name="Revoke").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "The invite is revoked" in page.inner_text(".messages")
    assert invites.count() == 1
    assert not Invite.objects.filter(pk=oldest.pk).exists()

    newcomer = new_page()
    newcomer.goto(copied)
    newcomer.get_by_label("Username").fill("newcomer")
    newcomer.get_by_label("Password", exact=True).fill(PASSWORD)
    newcomer.get_by_label("Password confirmation").fill(PASSWORD)
    newcomer.get_by_role("button", name="Create account and join").click()
    newcomer.wait_for_url("**/team/")
    assert Membership.objects.filter(team=team, user__username="newcomer").exists()
