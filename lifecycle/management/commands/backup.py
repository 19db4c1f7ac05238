"""`manage.py backup DIR`: the database and the media, with a manifest (docs/operators.md, Backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lifecycle.backups import BackupError, backup_make


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup API) and the media "
        "(a tar read through the storage API) into DIR, a new or empty folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", type=Path)

    def handle(self, *args, dir: Path, **options):
        try:
            manifest = backup_make(target=dir)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        media, counts = manifest["media"], manifest["counts"]
        self.stdout.write(
            f"Backed up to {dir}: {manifest['database']['engine']} database "
            f"({counts['users']} users, {counts['runs']} runs), "
            f"{media['files']} media files ({media['bytes']:,} bytes)."
        )
