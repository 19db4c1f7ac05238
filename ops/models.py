"""What the workers keep about themselves: heartbeats and periodic chores."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """Each worker's last sweep, and whether it could reach A1 then (read by /healthz)."""

    worker = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)
    upstream_ok = models.BooleanField(default=False)

    class Meta:
        db_table = "generator_workerheartbeat"  # kept when the model moved here

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%H:%M:%S}"
