"""The data lifecycle: what removal leaves behind, what it did, and people's exports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RemovalLog(models.Model):
    """One retention run or one erasure: what it removed, by kind. Never who was erased."""

    class Job(models.TextChoices):
        RETENTION = "retention", _("Daily retention")
        ERASURE = "erasure", _("Account erased")

    job = models.CharField(max_length=12, choices=Job.choices)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty if it stopped before the end")
    )
    counts = models.JSONField(default=dict, blank=True)
    longest_batch_ms = models.PositiveIntegerField(
        default=0, help_text=_("The longest transaction of the run, in milliseconds")
    )
    by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The staff member who erased an account (empty: the person themselves)"),
    )

    class Meta:
        db_table = "generator_removallog"  # kept when the model moved here
        ordering = ["-started_at"]
        verbose_name = _("removal log entry")
        verbose_name_plural = _("removal log")

    def __str__(self) -> str:
        return f"{self.get_job_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class DataExportQuerySet(models.QuerySet["DataExport"]):
    def visible_to(self, user) -> DataExportQuerySet:
        """A person sees the exports they asked for; staff see all (they make some)."""
        if user.is_staff:
            return self
        return self.filter(user=user, requested_by=user)


def export_path(instance: DataExport, filename: str) -> str:
    # No name in the path: a storage listing says nothing about whose export it is.
    return f"exports/{instance.id}.zip"


class DataExport(models.Model):
    """One person's data in one ZIP, built by the worker and downloadable for a while."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    language = models.CharField(max_length=8, default="en")
    file = models.FileField(upload_to=export_path, max_length=300, blank=True)
    byte_size = models.PositiveBigIntegerField(default=0)
    runs = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        db_table = "generator_dataexport"  # kept when the model moved here
        ordering = ["-created"]
        indexes = [models.Index(fields=["state", "created"], name="exports_by_state")]
        verbose_name = _("data export")

    def __str__(self) -> str:
        return f"export {str(self.id)[:8]} ({self.get_state_display()})"

    @property
    def pending(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.BUILDING)

    def available(self, now=None) -> bool:
        now = now or timezone.now()
        return self.state == self.State.READY and bool(self.file) and self.expires_at > now
