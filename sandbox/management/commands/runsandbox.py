"""Serve the A1 sandbox alone, like stripe-mock does for Stripe."""

from __future__ import annotations

import json
import sys
from dataclasses import fields

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox import state
from sandbox.control import catalog_json
from sandbox.server import serve


class Command(BaseCommand):
    help = "Serve the A1 sandbox (the five A1 endpoints plus /_sandbox/ controls)."

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport",
            nargs="?",
            default=f"127.0.0.1:{settings.SANDBOX_PORT}",
            help="host:port or port (default 127.0.0.1:SANDBOX_PORT)",
        )
        parser.add_argument("--catalog", action="store_true", help="print the catalog as JSON")
        parser.add_argument("--keys", help="comma-separated accepted API keys (SANDBOX_API_KEYS)")
        for field in fields(state.Knobs):
            parser.add_argument(
                f"--{field.name.replace('_', '-')}",
                dest=f"knob_{field.name}",
                help=f"knob {field.name} (default {field.default!r}; env SANDBOX_{field.name.upper()})",
            )

    def handle(self, *args, addrport, catalog, keys, **options):
        overrides = {
            name[len("knob_") :]: value
            for name, value in options.items()
            if name.startswith("knob_") and value is not None
        }
        try:
            knobs = state.Knobs.from_mapping(overrides, base=state.Knobs.from_env())
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        api_keys = tuple(
            k.strip() for k in (keys.split(",") if keys else settings.SANDBOX_API_KEYS)
        )
        state.install(
            state.Sandbox(api_keys=api_keys, data_dir=settings.SANDBOX_DATA_DIR, knobs=knobs)
        )
        if catalog:
            self.stdout.write(json.dumps({"apps": catalog_json()}, indent=2, ensure_ascii=False))
            return
        host, _, port = addrport.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        if not port.isdigit():
            raise CommandError(f"{addrport!r} is not host:port or port")

        def announce(bound_port: int) -> None:
            self.stdout.write(f"A1 sandbox listening on http://{host}:{bound_port}")
            sys.stdout.flush()

        try:
            serve(host, int(port), on_bind=announce)
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            raise CommandError(f"cannot listen on {addrport}: {exc}") from None
