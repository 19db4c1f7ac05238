"""A storage that dies halfway, like a worker killed in the middle of removing files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string


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
