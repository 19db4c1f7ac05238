"""A1 Studio's data: cached app definitions, teams, generations and their images."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .a1 import App as A1App


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    created = models.DateTimeField(default=timezone.now)
    share_new_runs = models.BooleanField(
        _("share new runs with the team by default"),
        default=False,
        help_text=_("Members' new runs start shared with this team unless they chose otherwise."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        MANAGER = "manager", _("Manager")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class AppDefinition(models.Model):
    """One A1 app as A1 described it, per (app, version, language)."""

    app_id = models.CharField(max_length=32, db_index=True)
    version_id = models.CharField(max_length=32)
    language = models.CharField(max_length=8)
    name = models.CharField(max_length=300, blank=True)
    cover = models.URLField(max_length=1000, blank=True)
    definition = models.JSONField(help_text=_("The app as we read it (ids as strings)"))
    raw = models.JSONField(default=dict, blank=True, help_text=_("A1's answer, as received"))
    fetched_at = models.DateTimeField(default=timezone.now)
    allowed = models.BooleanField(
        default=True, help_text=_("When only allowed apps may be opened, this one may.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app_id", "version_id", "language"], name="one_definition_per_version"
            )
        ]
        indexes = [models.Index(fields=["app_id", "language", "-fetched_at"])]
        verbose_name = _("app definition")

    def __str__(self) -> str:
        return f"{self.name or self.app_id} v{self.version_id} ({self.language})"

    @property
    def app(self) -> A1App:
        """The typed app, read again from the stored definition (tolerant reader)."""
        cached = getattr(self, "_app", None)
        if cached is None:
            cached = self._app = A1App.from_json(self.definition)
        return cached


class AppVisit(models.Model):
    """Who opened which app, and when: the /apps/ list is built from these."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    app_id = models.CharField(max_length=32)
    last_opened = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "app_id"], name="one_visit")]

    def __str__(self) -> str:
        return f"{self.user} opened {self.app_id}"


class GenerationQuerySet(models.QuerySet):
    def visible_to(self, user) -> GenerationQuerySet:
        """Own work, work shared with the user's teams; staff see everything.

        Deleted and hidden generations are gone for everyone but staff.
        """
        if user.is_staff:
            return self
        return self.filter(
            Q(user=user) | Q(visibility=Generation.Visibility.TEAM, team__memberships__user=user),
            deleted_at__isnull=True,
            hidden=False,
        ).distinct()

    def in_trash(self, user) -> GenerationQuerySet:
        """The user's own deleted runs that may still be restored (TRASH_DAYS)."""
        since = timezone.now() - timedelta(days=settings.TRASH_DAYS)
        return self.filter(user=user, deleted_at__gte=since, hidden=False)

    def this_month(self) -> GenerationQuerySet:
        start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return self.filter(created__gte=start)

    def points_used(self) -> int:
        """Points spent, plus points held by runs whose outcome is not known yet."""
        totals = self.aggregate(
            spent=Sum("points_spent", default=0),
            held=Sum(
                "points_quoted",
                filter=Q(points_spent__isnull=True) & ~Q(state="failed"),
                default=0,
            ),
        )
        return totals["spent"] + totals["held"]


class Generation(models.Model):
    class State(models.TextChoices):
        SUBMITTING = "submitting", _("Submitting")
        RUNNING = "running", _("Running")
        COPYING = "copying", _("Saving results")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        STALLED = "stalled", _("Stalled")
        UNKNOWN = "unknown", _("Submission status unknown")

    class Kind(models.TextChoices):
        GENERATE = "generate", _("Generation")
        ENHANCE = "enhance", _("Enhancement")

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Only me")
        TEAM = "team", _("My team")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="generations"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GENERATE)
    definition = models.ForeignKey(
        AppDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    app_id = models.CharField(max_length=32, blank=True, db_index=True)
    app_name = models.CharField(max_length=300, blank=True)
    version_id = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=8, blank=True)
    generate_num = models.PositiveSmallIntegerField(default=1)
    params = models.JSONField(default=dict, help_text=_("What the user chose, by form item"))
    request_body = models.JSONField(
        default=dict, blank=True, help_text=_("What was sent to A1 (never the key)")
    )
    idempotency_key = models.UUIDField(unique=True)
    upstream_response = models.JSONField(
        default=dict, blank=True, help_text=_("A1's last answer about the task")
    )
    task_id = models.CharField(max_length=32, blank=True, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SUBMITTING)
    upstream_state = models.CharField(max_length=16, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    error_message_cn = models.TextField(blank=True)
    points_quoted = models.PositiveIntegerField(default=0)
    points_spent = models.PositiveIntegerField(null=True, blank=True)
    favourite = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Deleted by its owner; staff can restore it"),
    )
    hidden = models.BooleanField(default=False, help_text=_("Hidden by staff from everyone else"))
    flagged = models.BooleanField(default=False, help_text=_("Marked by staff for review"))
    search_text = models.TextField(blank=True, help_text=_("App name and prompts, for search"))
    created = models.DateTimeField(default=timezone.now, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    poll_count = models.PositiveIntegerField(default=0)
    stall_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Still unfinished then: shown as stalled")
    )
    poll_errors = models.PositiveSmallIntegerField(
        default=0, help_text=_("Failed queries in a row; polling slows down while it grows")
    )
    # Enhance: the image that was sent to optimize (one of ours, result or input).
    source_result = models.ForeignKey(
        "ResultImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_input = models.ForeignKey(
        "InputImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = GenerationQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("generation")
        indexes = [
            models.Index(fields=["user", "-created"]),
            models.Index(fields=["team", "visibility", "-created"]),
        ]

    def __str__(self) -> str:
        return f"{self.app_name or self.app_id} · {self.get_state_display()}"

    IN_FLIGHT = (State.RUNNING, State.STALLED, State.COPYING)

    @property
    def in_flight(self) -> bool:
        return self.state in self.IN_FLIGHT

    @property
    def finished(self) -> bool:
        return self.state in (self.State.COMPLETED, self.State.FAILED)

    def error_for(self, language: str) -> str:
        if language.lower().startswith("zh") and self.error_message_cn:
            return self.error_message_cn
        return self.error_message


class InputImageQuerySet(models.QuerySet):
    def visible_to(self, user) -> InputImageQuerySet:
        if user.is_staff:
            return self
        # Own photos not (yet) part of a run, and photos of runs the user may see: a
        # deleted or hidden run takes its photos with it.
        return self.filter(
            Q(owner=user, generation__isnull=True)
            | Q(generation__in=Generation.objects.visible_to(user))
        ).distinct()


def input_path(instance: InputImage, filename: str) -> str:
    return f"inputs/{instance.created:%Y/%m}/{instance.id}{_ext(filename)}"


def _ext(filename: str) -> str:
    return ".png" if filename.lower().endswith(".png") else ".jpg"


class InputImage(models.Model):
    """A photo a user supplied, normalised and kept by us, plus where A1 holds it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    generation = models.ForeignKey(
        Generation, null=True, blank=True, on_delete=models.CASCADE, related_name="inputs"
    )
    form_id = models.CharField(max_length=32, blank=True)
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    file = models.FileField(upload_to=input_path, max_length=300)
    original_name = models.CharField(max_length=255, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    byte_size = models.PositiveIntegerField(default=0)
    notes = models.JSONField(default=list, blank=True, help_text=_("What was converted"))
    a1_image_url = models.URLField(max_length=2000, blank=True)
    a1_path = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)

    objects = InputImageQuerySet.as_manager()

    class Meta:
        ordering = ["form_id", "position", "created"]

    def __str__(self) -> str:
        return self.original_name or str(self.id)


class ResultImageQuerySet(models.QuerySet):
    def visible_to(self, user) -> ResultImageQuerySet:
        return self.filter(generation__in=Generation.objects.visible_to(user))


def result_path(instance: ResultImage, filename: str) -> str:
    return f"results/{instance.created:%Y/%m}/{filename}"


class ResultImage(models.Model):
    """One image A1 made: our copy, its thumbnail, and A1's (expiring) link."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="results")
    index = models.PositiveSmallIntegerField()
    upstream_url = models.URLField(max_length=2000)
    file = models.FileField(upload_to=result_path, max_length=300, blank=True)
    thumbnail = models.FileField(upload_to=result_path, max_length=300, blank=True)
    format = models.CharField(max_length=10, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    byte_size = models.PositiveIntegerField(default=0)
    copy_attempts = models.PositiveSmallIntegerField(default=0)
    copied_at = models.DateTimeField(null=True, blank=True)
    expired = models.BooleanField(
        default=False, help_text=_("A1's link stopped working before we could copy it")
    )
    last_error = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)

    objects = ResultImageQuerySet.as_manager()

    class Meta:
        ordering = ["generation", "index"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "index"], name="one_result_per_index")
        ]

    def __str__(self) -> str:
        return f"{self.generation_id} #{self.index + 1}"

    @property
    def copied(self) -> bool:
        return bool(self.file)

    @property
    def settled(self) -> bool:
        """Copied, or given up on: nothing more will happen to it."""
        return self.copied or self.expired


class Preferences(models.Model):
    """A user's defaults for new generations."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    default_visibility = models.CharField(
        _("share new generations with"),
        max_length=10,
        choices=Generation.Visibility.choices,
        default=Generation.Visibility.PRIVATE,
    )
    default_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    chosen = models.BooleanField(
        default=False, help_text=_("The user saved these defaults (they then beat the team's).")
    )

    def __str__(self) -> str:
        return f"preferences of {self.user}"


class Invite(models.Model):
    """A one-time link a team manager sends to bring someone into the team."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True)
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"invite to {self.team}"

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.expires > timezone.now()


class Budget(models.Model):
    """A monthly point limit for one user or one team, set by staff."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budget",
    )
    team = models.OneToOneField(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="budget"
    )
    monthly_points = models.PositiveIntegerField(_("points per month"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="budget_for_user_or_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team}: {self.monthly_points} points/month"


class BalanceAlert(models.Model):
    """A1 said the account is out of points (810012): new runs wait until staff clear it."""

    raised_at = models.DateTimeField(default=timezone.now)
    message = models.CharField(max_length=300, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"balance alert {self.raised_at:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """Each worker's last sweep, and whether it could reach A1 then (read by /healthz)."""

    worker = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)
    upstream_ok = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%H:%M:%S}"
