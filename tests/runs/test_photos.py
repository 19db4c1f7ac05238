"""Kept photos: staged ones that no run used are removed a day later, by one worker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from generator.models import InputImage
from generator.runs import photos
from generator.schedules.models import Chore
from ops import chores
from tests.base import BaseTestCase, photo


class StagedPhotoTests(BaseTestCase):
    def stage_one(self) -> InputImage:
        """A photo kept by a form that was wrong elsewhere and never submitted again."""
        self.login()
        key = self.form_key(self.form_page())
        self.submit(data=self.watercolor_post(key, style="not-a-style"))
        return InputImage.objects.get(run__isnull=True)

    @pytest.mark.storage
    def test_it_removes_a_photo_no_run_used_a_day_later_with_its_file(self):
        staged = self.stage_one()
        storage, name = staged.file.storage, staged.file.name
        assert photos.photos_purge_staged() == 0  # a fresh one stays for the form
        later = timezone.now() + timedelta(days=1, minutes=1)
        assert photos.photos_purge_staged(now=later) == 1
        assert not InputImage.objects.filter(pk=staged.pk).exists()
        assert not storage.exists(name)
        assert photos.photos_purge_staged(now=later) == 0  # safe to run again

    @pytest.mark.storage
    def test_it_keeps_the_file_while_a_run_still_uses_it(self):
        staged = self.stage_one()
        data = self.watercolor_post(self.form_key(self.form_page()), cnet_17466175263110005=None)
        data["cnet_17466175263110005_staged"] = str(staged.pk)
        assert self.submit(data=data).status_code == 302
        staged.refresh_from_db()
        assert staged.run is not None  # the run took the staged row itself
        leftover = InputImage.objects.create(
            owner=self.owner, given_by=self.owner, file=staged.file.name
        )
        later = timezone.now() + timedelta(days=2)
        assert photos.photos_purge_staged(now=later) == 1
        assert not InputImage.objects.filter(pk=leftover.pk).exists()
        assert staged.file.storage.exists(staged.file.name)  # the run's photo is untouched

    def test_the_hourly_chore_is_queued_by_one_worker_per_hour(self):
        def queued(at):  # other chores run on their own periods
            return [
                name for name in chores.chores_enqueue_due(now=at) if name == "purge_staged_photos"
            ]

        now = timezone.now()
        assert queued(now) == ["purge_staged_photos"]
        assert queued(now) == []  # another worker's sweep, same hour
        assert queued(now + timedelta(minutes=59)) == []
        assert queued(now + timedelta(hours=1)) == ["purge_staged_photos"]
        assert Chore.objects.get(name="purge_staged_photos").last_run == now + timedelta(hours=1)

    def test_a_bad_photo_is_never_kept(self):
        self.login()
        key = self.form_key(self.form_page())
        self.submit(data=self.watercolor_post(key, cnet_17466175263110005=photo(fmt=None)))
        assert not InputImage.objects.exists()
