"""gunicorn's access log, made safe to read: tokens in paths redacted, every value
escaped for the JSON line it goes into. gunicorn's own escaping doubles quotes only, so
a path or header with a backslash before a quote could still close the string and
forge a field."""

from __future__ import annotations

import json

from gunicorn.glogging import Logger, SafeAtoms  # type: ignore[import-untyped]

from common.logging import secrets_redacted


class JsonSafeAtoms(SafeAtoms):
    def __init__(self, atoms):
        dict.__init__(self)
        for key, value in atoms.items():
            if isinstance(value, str):
                value = json.dumps(secrets_redacted(value), ensure_ascii=False)[1:-1]
            self[key] = value


class AccessLogger(Logger):
    """gunicorn's logger (`logger_class` in a1site/gunicorn.conf.py) with safe atoms."""

    atoms_wrapper_class = JsonSafeAtoms
