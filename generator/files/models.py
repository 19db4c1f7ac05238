"""The file queue's table: a stored file whose rows are gone, waiting for the storage delete."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class FileRemoval(models.Model):
    """A stored file whose rows are gone, waiting for the storage delete.

    Written in the same transaction that deletes the rows, so a worker killed before it
    deleted the files leaves this list behind and the next run finishes it.

    Also an intent (`due` set): a file about to be written whose row is saved after it
    (a photo, a result's copy), written first and committed on its own. Once the row is
    saved the intent goes; if the row never comes (the database went away, the process
    died in between) the file is removed once `due` has passed, unless a row names it.
    """

    name = models.CharField(max_length=300, unique=True)
    queued_at = models.DateTimeField(default=timezone.now)
    due = models.DateTimeField(null=True, blank=True)  # an intent: not removed before

    def __str__(self) -> str:
        return self.name
