"""`manage.py storage_check`: files with no row, rows with no file, and its exit status."""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from generator.files.audit import orphans_remove
from generator.models import InputImage
from tests.base import TrackingTestCase
from tests.conftest import image_bytes

pytestmark = pytest.mark.storage


def storage_check(*args) -> tuple[int | str | None, str]:
    out = io.StringIO()
    try:
        call_command("storage_check", *args, stdout=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


class StorageCheckTests(TrackingTestCase):
    def test_it_is_clean_when_storage_and_rows_agree(self):
        run = self.finished()
        code, out = storage_check()
        assert code == 0
        assert f"{len(self.files_of(run))} stored files; 0 with no row, 0 rows with no file" in out

    def test_it_lists_files_with_no_row_and_rows_with_no_file_and_fails(self):
        run = self.finished()
        stray = default_storage.save("inputs/stray.jpg", ContentFile(image_bytes()))
        photo = run.inputs.get()
        default_storage.delete(photo.file.name)
        code, out = storage_check()
        assert code == 1
        assert f"no row:  {stray}" in out
        assert f"no file: generator.InputImage {photo.pk} file = {photo.file.name}" in out
        # Put things right again for the check every test ends with.
        default_storage.delete(stray)
        InputImage.objects.filter(pk=photo.pk).delete()
        assert storage_check()[0] == 0

    def test_it_removes_only_orphans_old_enough_not_to_be_a_copy_in_progress(self):
        stray = default_storage.save("results/stray.png", ContentFile(image_bytes("PNG")))
        assert orphans_remove(names=[stray]) == 0 and default_storage.exists(stray)
        later = timezone.now() + timedelta(hours=2)
        assert orphans_remove(names=[stray], now=later) == 1
        assert not default_storage.exists(stray)
