"""Approvals in a real browser: a manager sets the team's threshold; a member's batch
over it waits with its points held; the manager approves it from the banner and it runs;
a second one is refused with a reason, and its points come back."""

from generator.models import Batch
from generator.money.ledger import points_used
from tests.conftest import image_bytes
from tests.e2e.conftest import log_in
from tests.e2e.test_it_generates_in_a_browser import WATERCOLOR, people  # noqa: F401


def start_batch(page, stack, n: int = 3) -> None:
    page.goto(f"{stack}/apps/{WATERCOLOR}/batch/")
    photos = [
        {"name": f"p-{i}.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(200, 260))}
        for i in range(n)
    ]
    page.get_by_label("Your photo").set_input_files(photos)
    page.get_by_label("Vivid").check()
    page.get_by_role("button", name="Check the items").click()
    page.wait_for_url("**/batches/*/")
    page.get_by_role("button", name=f"Start the batch ({n} points)").click()
    page.get_by_text("Awaiting approval", exact=True).wait_for()


def test_a_batch_over_the_threshold_waits_for_a_manager(stack, people, new_page, sandbox):  # noqa: F811
    manager = new_page()
    log_in(manager, stack, "owner")
    manager.goto(f"{stack}/team/")
    manager.get_by_label("Approval threshold (points)").fill("2")
    manager.get_by_role("button", name="Save team settings").click()
    manager.get_by_text("Team settings saved.").wait_for()

    member = new_page()
    log_in(member, stack, "teammate")
    start_batch(member, stack)
    assert "over the approval threshold of 2" in member.inner_text("#batch-live")
    team = people.memberships.get().team
    assert points_used(team=team) == 3  # held while it waits
    assert sandbox.calls("generate") == 0

    # The manager hears on any page, opens the request from the banner and approves it.
    manager.goto(f"{stack}/history/")
    manager.get_by_text("teammate asks for approval of a batch").wait_for()
    manager.get_by_role("link", name="See the request").click()
    manager.wait_for_url("**/approvals/*/")
    assert "3 items × 1 points = 3 points" in manager.inner_text("main")
    assert manager.locator(".batch-thumbs img").count() == 3
    manager.get_by_role("button", name="Approve and start (3 points)").click()
    manager.get_by_text("Approved: the batch is running.").wait_for()

    # The member's page follows by itself, to the end.
    member.get_by_text("3 of 3 finished").wait_for(timeout=60_000)
    assert "was approved" in member.inner_text("#batch-live")
    assert sandbox.calls("generate") == 3

    # A second one is refused with a reason: its points come back, the member reads why.
    start_batch(member, stack)
    second = Batch.objects.filter(user__username="teammate").order_by("-created").first()
    assert second is not None and second.state == "awaiting_approval"
    held = points_used(team=team)
    manager.goto(f"{stack}/approvals/")
    manager.get_by_role("link", name=second.app_name).first.click()
    manager.get_by_label("Reason for refusing").fill("Not this month")
    manager.get_by_role("button", name="Refuse").click()
    manager.get_by_text("Refused: its points were released").wait_for()
    member.get_by_text("Refused by a manager").wait_for()
    member.reload()
    assert "Not this month" in member.inner_text("#batch-live")
    assert points_used(team=team) == held - 3
    assert sandbox.calls("generate") == 3
