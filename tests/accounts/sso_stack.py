"""A portal set up for single sign-on by its environment, and a real OpenID provider.

The provider is node's oidc-provider (tests/accounts/idp/provider.mjs) on a loopback port;
the portal is `manage.py runserver` in its own process, configured only through SSO_*
variables, sharing this test's database. People log in through the provider's own
log-in page, over real HTTP redirects (a browser, or requests following them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
import requests

from tests.conftest import ROOT, free_port, subprocess_env, wait_until

IDP_DIR = ROOT / "tests" / "accounts" / "idp"
CLIENT_ID = "a1studio"
CLIENT_SECRET = "client-secret-for-tests-only"
STAFF_GROUP = "a1-admins"
TEAM = "Everyone at Corp"
# The provider's people: the login typed on its page, and the claims it vouches for.
ACCOUNTS = {
    "alice": {"email": "alice@corp.test", "email_verified": True, "name": "Alice Lee", "groups": ["design"]},
    "boss": {"email": "boss@corp.test", "email_verified": True, "name": "Bo Boss", "groups": ["design", STAFF_GROUP]},
    "mallory": {"email": "mallory@elsewhere.test", "email_verified": True, "name": "Mallory", "groups": []},
    "ursula": {"email": "ursula@corp.test", "email_verified": False, "name": "Ursula", "groups": []},
    # A provider that says nothing about whether the address is verified.
    "vera": {"email": "vera@corp.test", "name": "Vera", "groups": []},
    # The address of a local administrator, verified by the provider for someone else.
    "root": {"email": "root@corp.test", "email_verified": True, "name": "Not Root", "groups": []},
}  # fmt: skip


def node_or_skip() -> str:
    """node with the provider installed; in CI its absence is a failure, not a skip."""
    node = shutil.which("node")
    if node and (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        return node
    reason = (
        "single sign-on tests need node and the provider: make idp (npm ci in tests/accounts/idp)"
    )
    if os.environ.get("E2E_REQUIRED") or os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class SsoStack:
    url: str  # the portal
    issuer: str  # the provider

    def log_in(self, login: str, session=None, start: str = "") -> requests.Response:
        """Click "Log in with Corp SSO" and sign in on the provider's page, following every
        redirect; returns the last answer (the page the person lands on)."""
        session = session or requests.Session()
        page = session.get(start or f"{self.url}/sso/start/", timeout=10)
        form = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        if page.url.startswith(self.issuer) and form and 'name="login"' in page.text:
            page = session.post(
                urljoin(page.url, form.group(1)),
                data={"prompt": "login", "login": login, "password": "any"},
                timeout=10,
            )
        return page


def _start_provider(node: str, port: int, portal: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "IDP_PORT": str(port),
        "IDP_CLIENT_ID": CLIENT_ID,
        "IDP_CLIENT_SECRET": CLIENT_SECRET,
        "IDP_REDIRECT_URIS": f"{portal}/sso/callback/",
        "IDP_POST_LOGOUT_REDIRECT_URIS": f"{portal}/accounts/login/",
        "IDP_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    return subprocess.Popen(
        [node, str(IDP_DIR / "provider.mjs")],
        cwd=IDP_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@contextmanager
def sso_stack(sandbox, media_root, **portal_env):
    """The provider and a portal pointed at it; SSO_* defaults overridable per stack."""
    node = node_or_skip()
    web_port, idp_port = free_port(), free_port()
    portal, issuer = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{idp_port}"
    provider = _start_provider(node, idp_port, portal)
    env = subprocess_env(
        sandbox,
        SimpleNamespace(MEDIA_ROOT=media_root),
        SSO_ISSUER=issuer,
        SSO_CLIENT_ID=CLIENT_ID,
        SSO_CLIENT_SECRET=CLIENT_SECRET,
        SSO_NAME="Corp SSO",
        SSO_SCOPES="openid email profile groups",
        SSO_ALLOWED_DOMAINS="corp.test",
        SSO_STAFF_CLAIM="groups",
        SSO_STAFF_VALUES=STAFF_GROUP,
        SSO_TEAM=TEAM,
        **portal_env,
    )
    web = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{web_port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_until(lambda: _answers(f"{issuer}/.well-known/openid-configuration")), (
            "the OpenID provider did not start"
        )
        assert wait_until(lambda: _answers(f"{portal}/accounts/login/")), "the portal did not start"
        yield SsoStack(portal, issuer)
    finally:
        for process in (web, provider):
            process.terminate()
        for process in (web, provider):
            process.wait(timeout=10)
