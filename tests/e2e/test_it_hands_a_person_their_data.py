"""A person takes their data and then leaves, in a real browser with a real worker."""

import io
import json
import uuid
import zipfile

import pytest
from django.contrib.auth import get_user_model

from generator.models import Membership, Run, Team
from tests.e2e.conftest import PASSWORD, log_in

pytestmark = pytest.mark.storage


@pytest.fixture
def leaver(transactional_db):
    User = get_user_model()
    person = User.objects.create_user("leaver", password=PASSWORD)
    team = Team.objects.create(name="Studio")
    Membership.objects.create(team=team, user=person)
    for n, visibility in enumerate(["team", "private", "private"]):
        Run.objects.create(
            user=person, team=team, visibility=visibility, app_id="1", app_name=f"App {n}",
            idempotency_key=uuid.uuid4(), state="failed", points_spent=0,
        )  # fmt: skip
    return person


def test_it_exports_a_persons_data_then_deletes_their_account(stack, leaver, new_page):
    page = new_page()
    log_in(page, stack, "leaver")
    page.get_by_role("link", name="Your data").click()
    page.wait_for_url("**/account/")
    summary = page.locator(".erasure-list").inner_text()
    assert "3 runs" in summary and "1 of them shared with a team" in summary

    page.get_by_role("button", name="Prepare my data export").click()
    page.wait_for_url("**/account/")
    assert page.get_by_text("Being prepared…").is_visible()
    download_link = page.locator("#exports").get_by_role("link", name="Download")
    download_link.wait_for(timeout=30_000)  # the worker builds it; the fragment polls
    with page.expect_download() as download:
        download_link.click()
    with open(download.value.path(), "rb") as fh:
        archive = zipfile.ZipFile(io.BytesIO(fh.read()))
    assert len(json.loads(archive.read("runs.json"))) == 3

    field = page.get_by_label("Type the user name leaver to confirm")
    field.fill("Leaver")
    page.get_by_role("button", name="Delete my account and all its data").click()
    assert page.get_by_text("That is not the user name leaver").is_visible()
    assert Run.objects.filter(user=leaver).count() == 3
    page.get_by_label("Type the user name leaver to confirm").fill("leaver")
    page.get_by_role("button", name="Delete my account and all its data").click()
    page.wait_for_url("**/accounts/login/")
    assert page.get_by_text("Your account and everything in it were deleted.").is_visible()
    assert not get_user_model().objects.filter(username="leaver").exists()
