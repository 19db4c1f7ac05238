"""A named claim on time that every worker shares: periodic chores (ops.chores) and the
batch send slot (batches.pacing) are rows here, taken with a conditional UPDATE."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Chore(models.Model):
    """A periodic job: whichever worker claims it first (conditional UPDATE) runs it."""

    name = models.CharField(max_length=100, unique=True)
    next_run = models.DateTimeField(default=timezone.now)
    last_run = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.name
