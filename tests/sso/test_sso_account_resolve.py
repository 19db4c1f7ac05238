"""The accounts service behind single sign-on: who an email address is, or may not be."""

import pytest
from django.contrib.auth import get_user_model

from generator.models import Membership
from generator.services.sso import SsoRefused, sso_account_resolve

pytestmark = pytest.mark.django_db


def resolve(email="alice@corp.test", staff=None, team_name="Everyone"):
    return sso_account_resolve(email=email, name="Alice Lee", staff=staff, team_name=team_name)


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


def test_it_leaves_staff_alone_when_the_provider_is_not_asked():
    boss = get_user_model().objects.create_user("boss", email="alice@corp.test", is_staff=True)
    assert resolve(staff=None).is_staff
    boss.refresh_from_db()
    assert boss.is_staff and not Membership.objects.exists()
