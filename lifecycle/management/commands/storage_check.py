"""`manage.py storage_check`: stored files with no row, rows whose file is missing."""

from django.core.management.base import BaseCommand

from generator.files.audit import orphans_remove, storage_audit


class Command(BaseCommand):
    help = (
        "List stored files that no row points at and rows whose file is missing; exit 1 "
        "if there are any. A file the worker is saving this instant can show up once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--remove-orphans",
            action="store_true",
            help="Delete the files no row points at (those older than an hour).",
        )

    def handle(self, *args, remove_orphans: bool = False, **options):
        report = storage_audit()
        for name in report.orphans:
            self.stdout.write(f"no row:  {name}")
        for label, pk, field, name in report.missing:
            self.stdout.write(f"no file: {label} {pk} {field} = {name}")
        self.stdout.write(
            f"{report.files} stored files; {len(report.orphans)} with no row, "
            f"{len(report.missing)} rows with no file, {report.queued} waiting for removal."
        )
        if remove_orphans and report.orphans:
            removed = orphans_remove(names=report.orphans)
            self.stdout.write(f"Removed {removed} file(s) with no row.")
            report = storage_audit()
        if not report.clean:
            raise SystemExit(1)
