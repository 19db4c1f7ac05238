"""`manage.py a1check`: check what we assume of A1 with the configured key (ops/a1check.py).

manage.py a1check                       # reads apps, uploads a tiny image: no points
manage.py a1check --app 1838546335502970881 --spend 3
                                        # also generates one image (asks first)
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generator.models import AppDefinition
from ops.a1check import a1_check


class Command(BaseCommand):
    help = "Check which of the portal's assumptions about the A1 API hold, with A1_API_KEY."

    def add_arguments(self, parser):
        parser.add_argument(
            "--app",
            action="append",
            default=[],
            help="an app id to read (repeatable; default: up to 3 apps the portal knows)",
        )
        parser.add_argument(
            "--spend",
            type=int,
            default=0,
            help="also generate one image, spending at most this many points (asks first)",
        )
        parser.add_argument(
            "--yes", action="store_true", help="do not ask before spending (scripts)"
        )
        parser.add_argument("--poll-seconds", type=float, default=5.0)
        parser.add_argument("--wait-seconds", type=float, default=600.0)

    def handle(self, *args, **options):
        app_ids = [a.strip() for a in options["app"] if a.strip()] or self.known_apps()
        if not app_ids:
            raise CommandError("No app to read: name one with --app <id> (digits from its link).")
        spend = max(options["spend"], 0)
        if spend and not options["yes"]:
            answer = input(
                f"This generates one image on A1 and spends up to {spend} point(s) of the "
                "account. Type yes to go on: "
            )
            if answer.strip().lower() != "yes":
                self.stdout.write("Not confirmed: nothing will be spent.")
                spend = 0
        report = a1_check(
            base_url=settings.A1_BASE_URL,
            api_key=settings.A1_API_KEY,
            app_ids=app_ids,
            spend=spend,
            poll_seconds=options["poll_seconds"],
            wait_seconds=options["wait_seconds"],
            timeout=settings.A1_TIMEOUT,
        )
        self.stdout.write(report.text())
        if report.failed:
            raise CommandError(f"{len(report.failed)} call(s) to A1 did not work (above).")

    def known_apps(self) -> list[str]:
        ids = (
            AppDefinition.objects.order_by("-fetched_at")
            .values_list("app_id", flat=True)
            .distinct()[:50]
        )
        return list(dict.fromkeys(ids))[:3]
