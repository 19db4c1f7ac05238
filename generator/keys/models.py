"""Personal API keys, and the webhook deliveries made for them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiKey(models.Model):
    """A way for a script to act as its owner. Only a digest of the secret is stored.

    Keys are revoked, never deleted: the runs they started keep pointing at them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the key, shown so that a person can tell keys apart.
    prefix = models.CharField(max_length=16, editable=False)
    # SHA-256 of the whole key: keys are long random tokens, so a fast digest is safe
    # (a slow password hash buys nothing against 256 bits of randomness).
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    monthly_points = models.PositiveIntegerField(
        _("points per month"),
        null=True,
        blank=True,
        help_text=_("Runs started with this key stop here, on top of the user's and team's."),
    )
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        blank=True,
        help_text=_("Told with a signed POST when a run started with this key ends."),
    )
    webhook_secret = models.CharField(max_length=64, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class WebhookDelivery(models.Model):
    """One event to tell a key's webhook about, and how telling it went."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="deliveries")
    run = models.ForeignKey(
        "Run",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_column="generation_id",  # the column kept its name when "run" became "run"
    )
    batch = models.ForeignKey(
        "Batch", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(max_length=40)
    url = models.URLField(max_length=500)
    payload = models.JSONField()
    created = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            # A run ends once: two workers noticing it cannot queue two deliveries.
            models.UniqueConstraint(
                fields=["run", "event"],
                condition=Q(run__isnull=False),
                name="one_delivery_per_run_event",
            ),
            models.UniqueConstraint(
                fields=["batch", "event"],
                condition=Q(batch__isnull=False),
                name="one_delivery_per_batch_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True, given_up_at__isnull=True),
                name="webhooks_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.url}"
