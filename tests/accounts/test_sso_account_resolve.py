"""The accounts service behind single sign-on: who an identity is, or may not be."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import SsoLink
from accounts.sso_accounts import SsoRefused, sso_account_resolve
from generator.models import Membership
from tests.base import admin_post_data

pytestmark = pytest.mark.django_db

ISSUER = "https://login.corp.test"


def resolve(email="alice@corp.test", staff=None, team_name="Everyone", subject="alice-sub"):
    return sso_account_resolve(
        issuer=ISSUER,
        subject=subject,
        email=email,
        name="Alice Lee",
        staff=staff,
        team_name=team_name,
    )


def test_it_never_takes_over_a_local_name_that_happens_to_be_the_address():
    User = get_user_model()
    User.objects.create_user("alice@corp.test", email="someone.else@corp.test")
    alice = resolve()
    assert alice.username == "alice@corp.test-2" and alice.email == "alice@corp.test"
    assert Membership.objects.get(user=alice).team.name == "Everyone"


def test_it_refuses_when_two_accounts_share_the_address():
    User = get_user_model()
    User.objects.create_user("a", email="alice@corp.test")
    User.objects.create_user("b", email="ALICE@corp.test")
    with pytest.raises(SsoRefused, match=r"More than one account here uses alice@corp\.test"):
        resolve()


def test_it_refuses_a_disabled_account():
    get_user_model().objects.create_user("alice", email="alice@corp.test", is_active=False)
    with pytest.raises(SsoRefused, match="disabled"):
        resolve(staff=True)
    assert not get_user_model().objects.get(username="alice").is_staff
    assert not SsoLink.objects.exists()


def test_it_leaves_staff_alone_when_the_provider_is_not_asked():
    boss = get_user_model().objects.create_user("boss", email="alice@corp.test", is_staff=True)
    SsoLink.objects.create(user=boss)  # staff linked it in the admin
    assert resolve(staff=None).is_staff
    boss.refresh_from_db()
    assert boss.is_staff and not Membership.objects.exists()


def test_it_follows_the_subject_once_linked_whatever_the_address_becomes():
    alice = resolve()
    assert resolve(email="alice.lee@corp.test") == alice
    assert get_user_model().objects.count() == 1


def test_it_never_links_a_second_identity_to_an_account_linked_already():
    resolve()
    with pytest.raises(SsoRefused, match="linked to another sign-on identity"):
        resolve(subject="someone-else")


def test_it_links_a_staff_account_only_through_the_link_staff_made():
    root = get_user_model().objects.create_superuser("root", email="alice@corp.test")
    with pytest.raises(SsoRefused, match="only once staff have linked it"):
        resolve()
    assert not SsoLink.objects.exists()
    SsoLink.objects.create(user=root)
    assert resolve() == root
    link = SsoLink.objects.get(user=root)
    assert (link.issuer, link.subject) == (ISSUER, "alice-sub") and link.linked_at


def test_staff_make_the_link_on_the_persons_admin_page(client):
    User = get_user_model()
    staff = User.objects.create_superuser("staff", email="staff@corp.test", password="pw")
    root = User.objects.create_superuser("root", email="alice@corp.test", password="pw")
    client.force_login(staff)
    url = f"/admin/auth/user/{root.pk}/change/"
    page = client.get(url)
    assert "Add another Single sign-on link" in page.content.decode()
    data = admin_post_data(page) | {
        "sso_link-TOTAL_FORMS": "1",
        "sso_link-INITIAL_FORMS": "0",
        "sso_link-MIN_NUM_FORMS": "0",
        "sso_link-MAX_NUM_FORMS": "1",
        "sso_link-0-user": str(root.pk),
        # The profile's inline, left as it is (the person has none yet).
        "profile-TOTAL_FORMS": "0",
        "profile-INITIAL_FORMS": "0",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
    }
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    link = SsoLink.objects.get(user=root)
    assert (link.subject, link.linked_at) == ("", None)
    assert resolve() == root  # its next log-in with the verified address is let in
