"""The file queue's table: a stored file whose rows are gone, waiting for the storage delete."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class FileRemoval(models.Model):
    """A stored file whose rows are gone, waiting for the storage delete.

    Written in the same transaction that deletes the rows, so a worker killed before it
    deleted the files leaves this list behind and the next run finishes it.
    """

    name = models.CharField(max_length=300, unique=True)
    queued_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
