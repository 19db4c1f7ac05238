"""A file written before its row (a photo, a result's copy) whose row never comes (the
database went away in between, the process died) is removed by the file queue after
its grace; a file whose write is still in progress is never removed."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.utils import timezone

from common.images import normalise
from generator.files import queue
from generator.files.audit import storage_audit
from generator.models import FileRemoval, InputImage, ResultImage
from generator.runs import photos, tracking
from ops.chores import CHORES
from tests.base import TrackingTestCase
from tests.conftest import image_bytes

pytestmark = pytest.mark.storage


def grace_passes() -> None:
    """WRITE_GRACE goes by (the intents' due moment moved into the past)."""
    FileRemoval.objects.filter(due__isnull=False).update(due=timezone.now() - timedelta(seconds=1))


def sweep() -> int:
    """The chore every few minutes: the queue's due files go."""
    return CHORES["remove_pending_files"][1].call()


class FilesWhoseRowsNeverCameTests(TrackingTestCase):
    def keep_photo_as_the_database_goes(self) -> str:
        """photo_keep writes the file, then the database drops the connection on the
        row's save, and the process dies before it can remove the file: returns its name."""
        stored = []
        real_store = photos.file_store

        def store(*, field, name, content):
            real_store(field=field, name=name, content=content)
            stored.append(field.name)

        with (
            mock.patch.object(photos, "file_store", store),
            mock.patch.object(InputImage, "save", side_effect=OperationalError("gone")),
            mock.patch.object(photos, "file_discard"),  # the process died before this
            pytest.raises(OperationalError),
        ):
            photos.photo_keep(user=self.owner, image=normalise(image_bytes()))
        assert default_storage.exists(stored[0])
        return stored[0]

    def test_a_photo_whose_row_never_came_is_removed_after_the_grace(self):
        name = self.keep_photo_as_the_database_goes()
        report = storage_audit()
        assert name not in report.orphans and report.queued == 1  # accounted for
        sweep()
        assert default_storage.exists(name)  # inside the grace: it may be a write under way
        grace_passes()
        assert sweep() == 1
        assert not default_storage.exists(name)
        assert not FileRemoval.objects.exists()
        assert storage_audit().clean

    def test_a_photo_being_written_is_never_removed_and_its_intent_goes_with_the_row(self):
        real_save = InputImage.save
        swept = []

        def slow_save(image, *args, **kwargs):
            # The file is written, the row not yet: the sweep runs now, and again later.
            swept.append((sweep(), default_storage.exists(image.file.name)))
            grace_passes()  # even an intent past its grace keeps a file a row names
            real_save(image, *args, **kwargs)
            swept.append((sweep(), default_storage.exists(image.file.name)))

        with mock.patch.object(InputImage, "save", slow_save):
            kept = photos.photo_keep(user=self.owner, image=normalise(image_bytes()))
        assert swept[0] == (0, True)  # inside the grace, no row yet: kept
        assert swept[1] == (1, True)  # past the grace, with its row: kept, intent gone
        assert default_storage.exists(kept.file.name)
        assert not FileRemoval.objects.exists()

    def test_a_kept_photo_leaves_no_intent_behind(self):
        kept = photos.photo_keep(user=self.owner, image=normalise(image_bytes()))
        assert default_storage.exists(kept.file.name)
        assert not FileRemoval.objects.exists()

    def test_a_results_copy_whose_row_update_never_came_is_removed_after_the_grace(self):
        run = self.start()
        self.finish_upstream(run)
        real_update = type(ResultImage.objects.all()).update

        def update(queryset, **changes):
            if "copied_at" in changes:  # the copy's row: the database is gone now
                raise OperationalError("gone")
            return real_update(queryset, **changes)

        with (
            mock.patch.object(type(ResultImage.objects.all()), "update", update),
            pytest.raises(OperationalError),
        ):
            self.poll(run)
        left = sorted(FileRemoval.objects.values_list("name", flat=True))
        assert len(left) == 2 and all(default_storage.exists(n) for n in left)  # file, thumbnail
        assert not set(left) & set(storage_audit().orphans)
        grace_passes()
        assert sweep() == 2
        assert not any(default_storage.exists(n) for n in left)
        tracking.Run.objects.filter(pk=run.pk).update(claimed_until=None)
        self.poll(run)  # the database is back: the copy is made again, and kept
        assert run.state == "completed" and all(
            default_storage.exists(r.file.name) for r in run.results.all()
        )
        assert not FileRemoval.objects.exists()

    def test_the_sweep_is_a_chore_every_few_minutes(self):
        period, chore = CHORES["remove_pending_files"]
        assert period <= timedelta(minutes=5) and chore is queue.remove_pending_files
