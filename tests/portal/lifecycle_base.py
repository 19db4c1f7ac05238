"""Finished runs with real files, and a storage that dies halfway like a killed worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.module_loading import import_string

from generator.models import Run
from tests.portal.tracking_base import TrackingTestCase


class Killed(BaseException):
    """What a worker's SIGKILL looks like from inside: nothing after it runs."""


if TYPE_CHECKING:
    from django.core.files.storage import Storage as ConfiguredStorage
else:
    ConfiguredStorage = import_string(settings.STORAGES["default"]["BACKEND"])


class DyingStorage(ConfiguredStorage):
    """The configured storage (local or S3), except that the process "dies" at the n-th
    delete."""

    deletes_left = 0

    def delete(self, name):
        if DyingStorage.deletes_left <= 0:
            raise Killed(name)
        DyingStorage.deletes_left -= 1
        super().delete(name)


def dying_after(deletes: int) -> dict:
    """STORAGES with the dying storage as default (for override_settings)."""
    DyingStorage.deletes_left = deletes
    default = {**settings.STORAGES["default"], "BACKEND": f"{__name__}.DyingStorage"}
    return {**settings.STORAGES, "default": default}


class LifecycleTestCase(TrackingTestCase):
    def finished(self, user=None, state="completed", **overrides) -> Run:
        """A run through the form, finished upstream and copied into our storage."""
        run = self.start(user, **overrides)
        self.finish_upstream(run, state)
        self.poll(run)
        assert run.state == state
        return run

    def files_of(self, run: Run) -> list[str]:
        names = [image.file.name for image in run.inputs.all()]
        for result in run.results.all():
            names += [result.file.name, result.thumbnail.name]
        return [n for n in names if n]

    def stored(self, name: str) -> bool:
        return default_storage.exists(name)
