"""Batches: one app over many photos or texts, each item becoming a normal run.

A batch is rows the worker paces, never a loop in a request: items are checked,
quoted and held against the budgets together, then sent one by one at a pace A1
accepts, each with its own idempotency key.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from generator.batches.reasons import reason_words
from generator.galleries.models import StampedQuerySet
from generator.runs.models import AppDefinition, Run
from generator.teams.models import Team, Visibility

# The batch checker's bookkeeping on drafts, which no card or allowance shows.
UNSEEN_BATCH_FIELDS = frozenset({"check_claimed_until", "uploads"})


class BatchQuerySet(StampedQuerySet["Batch"]):
    """History shows each batch as a card, and a team batch's held points are in the
    team's allowance: writes move the owners' and teams' gallery stamps."""

    unseen_fields = UNSEEN_BATCH_FIELDS

    def visible_to(self, user) -> BatchQuerySet:
        """A batch is its owner's (its runs are shared one by one); staff see all."""
        return self if user.is_staff else self.filter(user=user)


class Batch(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        REFUSED = "refused", _("Refused by a manager")
        EXPIRED = "expired", _("Approval expired")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Done")

    class Pause(models.TextChoices):
        OWNER = "owner", _("Paused by its owner.")
        BALANCE = "balance", _("Paused: the A1 account is out of points. Staff have been told.")
        APP_UPDATED = (
            "app_updated",
            _("Paused: the app's author changed it. Check the batch and resume."),
        )
        APP_NOT_ALLOWED = (
            "app_not_allowed",
            _("Paused: staff no longer allow this app. Resume once they allow it again."),
        )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="batches"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    definition = models.ForeignKey(AppDefinition, on_delete=models.PROTECT, related_name="+")
    app_id = models.CharField(max_length=32)
    app_name = models.CharField(max_length=300, blank=True)
    choices = models.JSONField(
        default=dict, help_text=_("What applies to every item: style, size, count, texts")
    )
    points_per_item = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    pause = models.CharField(max_length=20, choices=Pause.choices, blank=True)
    # The owner's interface language when they made it: the worker words the reasons
    # it stores for bad items in it, as the request that added them did.
    language = models.CharField(max_length=8, default="en")
    search_text = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Photos uploaded to a draft whose texts did not pair yet: kept, so a corrected form
    # never asks for them again. Slot field name -> [[file name, storage ref], ...].
    uploads = models.JSONField(default=dict, blank=True)
    # Started by a script: its API key (budget, audit, webhook) and its Idempotency-Key.
    api_key = models.ForeignKey(
        "generator.ApiKey", null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    idempotency_key = models.UUIDField(null=True, blank=True)
    # While the worker checks the uploaded photos, it holds this lease (see tracking).
    check_claimed_until = models.DateTimeField(null=True, blank=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        indexes = [models.Index(fields=["user", "-created"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="one_batch_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.app_name or self.app_id} × batch"

    def get_absolute_url(self) -> str:
        return reverse("batch_detail", args=[self.pk])

    @property
    def active(self) -> bool:
        return self.state in (self.State.RUNNING, self.State.PAUSED)


class BatchItem(models.Model):
    class State(models.TextChoices):
        CHECKING = "checking", _("Checking")
        INVALID = "invalid", _("Cannot be used")
        READY = "ready", _("Ready")
        WAITING = "waiting", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    HOLDING = (State.WAITING, State.SENDING)  # their points are held against budgets

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    index = models.PositiveIntegerField()
    label = models.CharField(max_length=255, blank=True, help_text=_("File name or row"))
    descriptions = models.JSONField(default=dict, blank=True)
    # Photos uploaded but not yet checked: slot field name -> storage name (or zip member).
    pending = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CHECKING)
    reason = models.CharField(max_length=500, blank=True)
    key = models.UUIDField(default=uuid.uuid4, help_text=_("The run's idempotency key"))
    points = models.PositiveIntegerField(default=0)
    run = models.OneToOneField(
        Run,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="batch_item",
        db_column="generation_id",  # the column kept its name when "run" became "run"
    )
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True, default="")  # see Run

    class Meta:
        ordering = ["batch", "index"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "index"], name="one_item_per_index")
        ]
        indexes = [
            models.Index(
                fields=["state"],
                condition=Q(state__in=["waiting", "sending", "checking"]),
                name="batch_items_to_do",
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} #{self.index + 1}"

    @property
    def reason_text(self) -> str:
        """Why it was cancelled or cannot be used, in the reader's language."""
        return reason_words(self.reason)
