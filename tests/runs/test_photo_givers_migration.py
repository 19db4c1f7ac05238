"""The migration that records who gave each photo fills it for every photo kept before it
(the first row of a file is the photo given; later rows are copies), and can be undone."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

BEFORE = [("generator", "0017_points_ledger")]
AFTER = [("generator", "0018_photo_givers")]


def migrate(targets):
    """Move the test database to `targets`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def photo_columns() -> set[str]:
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, "generator_inputimage")
    return {column.name for column in described}


class PhotoGiversMigrationTests(TransactionTestCase):
    def tearDown(self):
        # Back to the newest schema, whatever happened: later tests (and the storage
        # check run after this one) read the tables through today's models.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        super().tearDown()

    def test_it_names_the_owner_of_each_files_first_row_as_its_giver_and_can_be_undone(self):
        old = migrate(BEFORE)
        User = old.get_model("auth", "User")
        InputImage = old.get_model("generator", "InputImage")
        owner, teammate, other = (
            User.objects.create(username=name) for name in ("owner", "teammate", "other")
        )
        start = timezone.now() - timedelta(days=3)

        def row(who, name: str, minutes: int):
            return InputImage.objects.create(
                owner=who, file=name, created=start + timedelta(minutes=minutes)
            )

        face, teammates, lone = (
            default_storage.save(f"inputs/old/{n}.jpg", ContentFile(b"jpeg"))
            for n in ("face", "teammates", "lone")
        )
        # Copies written before the original on purpose: the first row in time decides,
        # not the order rows happen to come back in.
        remix = row(teammate, face, 5)
        batch_item = row(other, face, 7)
        retry = row(owner, face, 9)
        original = row(owner, face, 0)
        theirs = row(teammate, teammates, 1)
        owners_remix = row(owner, teammates, 2)
        alone = row(other, lone, 3)

        new = migrate(AFTER)
        givers = dict(
            new.get_model("generator", "InputImage").objects.values_list("pk", "given_by_id")
        )
        assert givers == {
            original.pk: owner.pk,
            remix.pk: owner.pk,
            batch_item.pk: owner.pk,
            retry.pk: owner.pk,
            theirs.pk: teammate.pk,
            owners_remix.pk: teammate.pk,
            alone.pk: other.pk,
        }

        migrate(BEFORE)
        assert "given_by_id" not in photo_columns()
        assert InputImage.objects.count() == 7  # undoing it loses no photo
