"""A malformed setting stops start-up with a message naming it."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def start(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("A1_TIMEOUT", "soon"),
        ("A1_TIMEOUT", "0"),
        ("A1_SECTION", "eu"),
        ("A1_BASE_URL", "ftp://a1.art"),
        ("SANDBOX_PORT", "eighty"),
        ("SECURE_HSTS_SECONDS", "-5"),
        ("A1_RETRY_BASE_DELAY", "-1"),
        ("RESULT_COPY_THREADS", "0"),
        ("IMAGE_LINK_DEADLINE", "0"),
        ("LOGIN_LOCKOUT_MINUTES", "0"),
        ("API_RATE_BURST", "0"),
        ("API_RATE_PER_MINUTE", "lots"),
        ("SITE_URL", "portal.example.com"),
        ("RETAIN_INPUT_DAYS", "thirty"),
        ("RETAIN_RESULT_DAYS", "-1"),
        ("TRASH_DAYS", "0"),
        ("EXPORT_KEEP_HOURS", "2.5"),
        ("EMAIL_URL", "pop3://mail.example.com"),
        ("EMAIL_TIMEOUT", "0"),
    ],
)
def test_it_refuses_to_start_on_a_malformed_value(name, value):
    result = start(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr


def test_it_needs_a_secret_key_in_production():
    result = start(DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_it_never_uses_the_tests_fast_password_hasher_in_production():
    result = start(DEBUG="0", SECRET_KEY="x" * 50, FAST_PASSWORD_HASHER_FOR_TESTS="1")
    assert result.returncode != 0 and "FAST_PASSWORD_HASHER_FOR_TESTS" in result.stderr


def test_it_uses_the_sandbox_without_a_key_and_a1_with_one():
    probe = "from django.conf import settings as s; print(s.A1_BASE_URL, s.A1_USES_SANDBOX)"
    shell = [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", probe]
    env = {k: v for k, v in os.environ.items() if not k.startswith("A1_")}
    without = subprocess.run(shell, env=env, capture_output=True, text=True, timeout=60)
    assert without.stdout.split() == ["http://127.0.0.1:8001", "True"]
    with_key = subprocess.run(
        shell, env={**env, "A1_API_KEY": "k"}, capture_output=True, text=True, timeout=60
    )
    assert with_key.stdout.split() == ["https://a1.art", "False"]


SSO = {"SSO_ISSUER": "https://sso.corp.test", "SSO_CLIENT_ID": "a1", "SSO_CLIENT_SECRET": "s"}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**SSO, "SSO_ISSUER": "http://sso.corp.test"}, "SSO_ISSUER"),
        ({**SSO, "SSO_CLIENT_SECRET": ""}, "SSO_CLIENT_SECRET"),
        ({"SSO_CLIENT_ID": "a1"}, "SSO_ISSUER"),
        ({**SSO, "SSO_ALLOWED_DOMAINS": "corp"}, "SSO_ALLOWED_DOMAINS"),
        ({"LOCAL_ACCOUNTS": "0"}, "LOCAL_ACCOUNTS"),
        ({"S3_ENDPOINT_URL": "http://127.0.0.1:9000"}, "S3_BUCKET"),
        ({"S3_BUCKET": "media", "S3_ACCESS_KEY": "k"}, "S3_SECRET_KEY"),
        ({"S3_BUCKET": "Media_Files"}, "S3_BUCKET"),
        ({"S3_BUCKET": "media", "S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_it_refuses_half_set_storage_and_sign_on(env, named):
    result = start(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr


def test_it_wires_single_sign_on_from_the_environment_alone():
    probe = (
        "from django.conf import settings as s; "
        "print(*s.AUTHENTICATION_BACKENDS); print(*map(str, s.SECURE_CSP['form-action']))"
    )
    shell = [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", probe]
    env = {**os.environ, **SSO, "LOCAL_ACCOUNTS": "0"}
    result = subprocess.run(shell, env=env, capture_output=True, text=True, timeout=60)
    # Passwords are off (the log-in lock-out stays in front of whatever is left);
    # logging out may redirect the log-out form to the provider.
    assert result.stdout.splitlines() == [
        "axes.backends.AxesStandaloneBackend accounts.sso.SsoBackend",
        "'self' https://sso.corp.test",
    ]


def test_it_sends_email_through_the_server_email_url_names():
    probe = (
        "from django.core import mail; m = mail.mailers.default; "
        "print(type(m).__name__, m.host, m.port, m.username, m.password, m.use_tls, m.timeout)"
    )
    shell = [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", probe]
    url = "smtp+tls://a1studio%40example.com:p%40ss@smtp.example.com:587"
    result = subprocess.run(
        shell, env={**os.environ, "EMAIL_URL": url}, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == [
        "EmailBackend", "smtp.example.com", "587", "a1studio@example.com", "p@ss", "True", "10.0"
    ]  # fmt: skip
    # Unset: no mail server is named, and the reset page offers no form (it says so).
    env = {k: v for k, v in os.environ.items() if k != "EMAIL_URL"}
    unset = (
        "from django.conf import settings as s; print(s.EMAIL_CONFIGURED, hasattr(s, 'MAILERS'))"
    )
    result = subprocess.run(
        [*shell[:-1], unset], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["False", "False"]
