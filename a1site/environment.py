"""Reading settings from the environment, strictly: a malformed value stops start-up
with ImproperlyConfigured naming the variable (a1site/settings.py reads every value
through these)."""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Strict boolean: django-environ would quietly read "ture" as False."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_float(name: str, default: float, *, minimum: float = 0.0, zero_ok: bool = False) -> float:
    raw = env.str(name, default=str(default))
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if value < minimum or (value == minimum and not zero_ok):
        bound = "at least" if zero_ok else "greater than"
        raise ImproperlyConfigured(f"{name}={raw!r} must be {bound} {minimum}.")
    return value


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.str(name, default=str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_http_url(name: str, default: str) -> str:
    raw = (env.str(name, default="").strip() or default).rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an http(s) URL.")
    return raw
