"""`manage.py restore DIR`: a backup made by `manage.py backup`, into an empty portal."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lifecycle.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty database and an empty media storage (the same "
        "kind of database it was made from). Checks every file against the manifest first."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that has users and media files of the same names.",
        )

    def handle(self, *args, dir: Path, force: bool = False, **options):
        try:
            manifest = backup_restore(source=dir, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the backup of {manifest['created']}: {manifest['counts']['runs']} runs, "
            f"{manifest['restored_files']} media files.\nNext: `manage.py migrate` (a newer "
            "version upgrades the schema), then `manage.py storage_check`. People erased "
            "after this backup was taken are in it again: erase them again (docs/operators.md, Backups)."
        )
