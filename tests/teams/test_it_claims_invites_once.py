"""One invite link, many people posting it at the same moment, against a live server:
one gets in, the others get a clear message, and nobody is left with an account."""

import re
import threading

import requests
from django.contrib.auth import get_user_model
from django.test import Client

from generator.models import Invite, Membership, Team
from generator.teams import services as teams
from tests.base import PASSWORD

TAKEN = "Someone else used this invite a moment ago"


def _form_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def _all_at_once(posts) -> list[requests.Response]:
    """Runs each prepared post in its own thread, released together."""
    start = threading.Barrier(len(posts))
    answers: list[requests.Response] = []

    def run(post):
        start.wait()
        answers.append(post())

    threads = [threading.Thread(target=run, args=(post,)) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _invite(django_user_model) -> tuple[Team, Invite]:
    manager = django_user_model.objects.create_user("manager", password=PASSWORD)
    team = Team.objects.create(name="Studio")
    Membership.objects.create(team=team, user=manager, role=Membership.Role.MANAGER)
    return team, teams.invite_create(team=team, by=manager)


def test_six_sign_ups_on_one_link_make_one_account(live_server, django_user_model):
    team, invite = _invite(django_user_model)
    url = f"{live_server.url}/team/join/{invite.token}/"
    posts = []
    for n in range(6):
        session = requests.Session()
        data = {
            "csrfmiddlewaretoken": _form_token(session, url),
            "username": f"newcomer{n}",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        posts.append(
            lambda s=session, d=data: s.post(url, data=d, timeout=60, allow_redirects=False)
        )
    answers = _all_at_once(posts)

    assert sorted(a.status_code for a in answers) == [302] + [409] * 5
    for answer in answers:
        if answer.status_code == 409:
            assert TAKEN in answer.text
    newcomers = get_user_model().objects.filter(username__startswith="newcomer")
    assert newcomers.count() == 1  # the losers' accounts were rolled back with their claim
    assert Membership.objects.filter(team=team, user=newcomers.get()).exists()
    invite.refresh_from_db()
    assert invite.used_by == newcomers.get()


def test_two_members_clicking_one_link_at_once_make_one_membership(live_server, django_user_model):
    team, invite = _invite(django_user_model)
    url = f"{live_server.url}/team/join/{invite.token}/"
    posts = []
    for name in ("first", "second"):
        client = Client()
        client.force_login(django_user_model.objects.create_user(name, password=PASSWORD))
        session = requests.Session()
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
        data = {"csrfmiddlewaretoken": _form_token(session, url)}
        posts.append(
            lambda s=session, d=data: s.post(url, data=d, timeout=60, allow_redirects=False)
        )
    answers = _all_at_once(posts)

    assert sorted(a.status_code for a in answers) == [302, 409]
    assert TAKEN in next(a.text for a in answers if a.status_code == 409)
    assert Membership.objects.filter(team=team).count() == 2  # the manager and one of them
