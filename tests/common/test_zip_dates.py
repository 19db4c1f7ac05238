"""ZIP entries carry the date their image was saved, not ZIP's default of 1980."""

import io
import zipfile

from django.utils import timezone

from tests.base import TrackingTestCase


class ZipDateTests(TrackingTestCase):
    def test_it_dates_each_entry_when_its_image_was_saved(self):
        run = self.finished()
        response = self.client.get(f"/generations/{run.id}/download.zip")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        saved = timezone.localtime(run.results.first().copied_at)
        for entry in archive.infolist():
            assert entry.date_time[:3] == (saved.year, saved.month, saved.day), entry
