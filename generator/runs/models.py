"""Runs: cached app definitions, runs and their images."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from a1 import App as A1App
from generator.galleries.models import GalleryStamp, StampedQuerySet
from generator.teams.models import Membership, Team, Visibility

# Worker bookkeeping that no gallery, card or allowance shows: writing only these does
# not move the gallery stamps (a poll a second would otherwise empty every cache).
UNSEEN_FIELDS = frozenset(
    {
        "next_poll_at",
        "claimed_until",
        "claimed_by",
        "poll_count",
        "poll_errors",
        "stall_at",
        "upstream_state",
        "upstream_response",
    }
)


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
    # What the portal charges when A1's answer does not say it (or says it wrongly):
    # set by staff, or by A1's own 324011 to a multi-image run. Kept across versions.
    cost_kind = models.CharField(
        _("kind we charge by"),
        max_length=8,
        blank=True,
        choices=[("form", _("Form app")), ("node", _("Node app"))],
        help_text=_("Empty: as A1's app details say (appType, nodeNum)."),
    )
    cost_points = models.PositiveSmallIntegerField(
        _("points"),
        null=True,
        blank=True,
        help_text=_("Per image for a form app, per run for a node app; empty: as A1 says."),
    )
    cost_source = models.CharField(
        max_length=8,
        blank=True,
        choices=[("staff", _("Set by staff")), ("a1", _("Learnt from A1's 324011"))],
    )
    # A group photo app's people (one photo each) when A1's answer does not say it:
    # positionNum is the sandbox's name, not the document's. Set by staff, kept across
    # versions; it applies to the app's first photo form.
    people_positions = models.PositiveSmallIntegerField(
        _("people positions"),
        null=True,
        blank=True,
        help_text=_(
            "A group photo app: how many people its photo form takes, one photo each "
            "(0: one photo). Empty: as A1's app details say (positionNum)."
        ),
    )

    # Asked for a language it has no text in, A1 answers in the app's own: such a row
    # holds the app's own texts, not this language's (definitions.app_answered_in).
    in_language = models.BooleanField(
        default=True,
        help_text=_("A1 gave its texts in this language (not its own as a fallback)."),
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
        """The typed app, read again from the stored definition (tolerant reader), with
        the kind and points the portal charges by (`cost_kind`, `cost_points`) and the
        people a group photo takes (`people_positions`)."""
        cached = getattr(self, "_app", None)
        if cached is None:
            cached = self._app = self.grouped(self.charged(A1App.from_json(self.definition)))
        return cached

    def grouped(self, app: A1App) -> A1App:
        """The app with the people positions staff set for its first photo form."""
        photo = next(iter(app.forms_of("cnet")), None)
        if self.people_positions is None or photo is None:
            return app
        positions = replace(photo, positions=self.people_positions)
        return replace(app, forms=tuple(positions if f is photo else f for f in app.forms))

    def charged(self, app: A1App) -> A1App:
        if self.cost_kind == "node":
            return replace(app, app_type="node", node_num=self.cost_points or app.node_num)
        if self.cost_kind == "form":
            return replace(app, app_type="form", node_num=0, points_per_image=self.cost_points or 1)
        if self.cost_points:  # points alone: for the kind A1 says
            if app.is_node:
                return replace(app, node_num=self.cost_points)
            return replace(app, points_per_image=self.cost_points)
        return app


class AppVisit(models.Model):
    """Who opened which app, and when: the /apps/ list is built from these."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    app_id = models.CharField(max_length=32)
    last_opened = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "app_id"], name="one_visit")]
        verbose_name = _("app opened")
        verbose_name_plural = _("apps opened")

    def __str__(self) -> str:
        return f"{self.user} opened {self.app_id}"


# What moderation lets out: not in the trash, not hidden by staff. RunQuerySet.shown
# is the rule's one owner (its docstring lists every output); the galleries' partial
# indexes below are built on the same condition, so the planner matches them.
SHOWN = Q(deleted_at__isnull=True, hidden=False)
SHARED = SHOWN & Q(visibility="team")


class RunQuerySet(StampedQuerySet["Run"]):
    """Every write of runs goes through here or through `create`, so the gallery stamps of
    their owners and teams move with each one: the galleries' caches rely on it."""

    unseen_fields = UNSEEN_FIELDS

    def delete(self):
        users, teams = self.owners_and_teams()
        deleted = super().delete()
        GalleryStamp.objects.bump(users=users, teams=teams)
        return deleted

    def bulk_create(self, objs, *args, **kwargs):
        objs = super().bulk_create(objs, *args, **kwargs)
        GalleryStamp.objects.bump(users={g.user_id for g in objs}, teams={g.team_id for g in objs})
        return objs

    def create(self, **kwargs):
        run = super().create(**kwargs)
        GalleryStamp.objects.bump(users=[run.user_id], teams=[run.team_id])
        return run

    def shown(self) -> RunQuerySet:
        """What moderation hides is hidden from every output: the one rule.

        The runs that may leave the portal, for everyone, staff included: none in its
        owner's trash (`deleted_at`), none hidden by staff (`hidden`). Staff review hidden
        and trashed runs only where they look, never where something is carried away: the
        admin, and the run page, its fragments and the media views (`visible_to`, which
        gives staff everything and everyone else only shown runs).

        Every other way out calls this (directly, through `ResultImage.objects.shown()`,
        `InputImage.objects.shown()`, `Run.is_shown`, or access.shown_or_404):
        - galleries: history and team pages, their app filter, the batch cards
          (generator/galleries/queries.py), the app library's examples
          (library/services.py), a batch page's results (generator/batches/views.py);
        - downloads: a result with `?download=1` (generator/runs/views/media.py), the
          one-run ZIP (generator/runs/actions.run_zip), the bulk ZIP
          (generator/galleries/bulk.py), the batch ZIP of the page and of the API
          (generator/batches/archive.batch_zip), the data export (lifecycle/exports.py:
          the run is listed, its images are left out);
        - the REST API: runs, history, gallery, results and their thumbnails, and the
          `results` of every run it describes (api/, generator/runs/summaries.run_json);
        - the gateway: task queries and the signed image links behind them, and the
          photos an upload path names (gateway/views.py);
        - webhooks: a run's payload when it is queued and again when it is sent
          (generator/keys/webhooks.py);
        - images taken into new work: enhance, remix and reused photos
          (generator/runs/views/, generator/runs/forms.py, api/runs.py), so a hidden image
          never comes back as a new run.
        """
        return self.filter(SHOWN)

    def visible_to(self, user) -> RunQuerySet:
        """Own work, work shared with the user's teams; staff see everything.

        Deleted and hidden runs are gone for everyone but staff (`shown`).
        """
        if user.is_staff:
            return self
        # The teams as a subquery, not a join: a join needs DISTINCT over every column of
        # the run (its params too), which cost the run page and its 2 s fragment more than
        # the rest of their queries together.
        teams = Membership.objects.filter(user=user).values("team_id")
        return self.shown().filter(
            Q(user=user) | Q(visibility=Run.Visibility.TEAM, team_id__in=teams)
        )

    def in_trash(self, user) -> RunQuerySet:
        """The user's own deleted runs that may still be restored (TRASH_DAYS)."""
        since = timezone.now() - timedelta(days=settings.TRASH_DAYS)
        return self.filter(user=user, deleted_at__gte=since, hidden=False)

    def this_month(self) -> RunQuerySet:
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


class Run(models.Model):
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

    class Problem(models.TextChoices):
        """Why a run did not finish well, stored as a code and worded when shown."""

        TASK_FAILED = "task_failed", _("A1 could not generate this image.")
        NO_IMAGES = "no_images", _("A1 finished the task but sent no image.")
        INTERRUPTED = "interrupted", _("The submission was interrupted before A1 answered.")
        NO_ANSWER = "no_answer", _("A1 did not answer after the request was sent.")

    Visibility = Visibility

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="runs"
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
    # Unique per user (see Meta): a key another user happens to send means nothing here.
    idempotency_key = models.UUIDField()
    upstream_response = models.JSONField(
        default=dict, blank=True, help_text=_("A1's last answer about the task")
    )
    task_id = models.CharField(max_length=32, blank=True, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SUBMITTING)
    upstream_state = models.CharField(max_length=16, blank=True)
    problem = models.CharField(max_length=20, choices=Problem.choices, blank=True)
    error_code = models.IntegerField(null=True, blank=True, help_text=_("A1's code, if any"))
    error_message = models.TextField(blank=True, help_text=_("A1's own words, in English"))
    error_message_cn = models.TextField(blank=True, help_text=_("A1's own words, in Chinese"))
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
    # Set by the retention job (RETAIN_INPUT_DAYS, RETAIN_RESULT_DAYS): the page then
    # explains where the images went instead of showing broken ones.
    inputs_removed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When its photos were removed (retention)")
    )
    results_removed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When its result images were removed (retention)")
    )
    search_text = models.TextField(blank=True, help_text=_("App name and prompts, for search"))
    created = models.DateTimeField(default=timezone.now, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Written just before the call that spends points goes out: a run still SUBMITTING
    # without it certainly reached nothing, with it its outcome is unknown.
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The lease: while SUBMITTING, until when the submitting process answers for the run;
    # later, a worker that claims a poll holds it until then (renewed while it copies),
    # so no second worker polls or copies the same run meanwhile.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Which worker holds the lease ("" for a web process): a lease whose worker stopped
    # beating (runs/workers.py) is taken over without waiting for `claimed_until`.
    claimed_by = models.CharField(max_length=100, blank=True, default="")
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
    # A run that is one item of a batch (models/batches.py imports this module).
    batch = models.ForeignKey(
        "generator.Batch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
    )
    # The personal API key that started the run (none: the browser). Keys are revoked,
    # never deleted, so this always names the script for audit and its budget.
    api_key = models.ForeignKey(
        "ApiKey", null=True, blank=True, on_delete=models.RESTRICT, related_name="runs"
    )

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        db_table = "generator_generation"  # kept when "generation" became "run"
        verbose_name = _("run")
        indexes = [
            models.Index(fields=["user", "-created"]),
            models.Index(fields=["team", "visibility", "-created"]),
            # The galleries walk these newest first, one per filter, and stop after a page
            # (services/galleries.py): a page costs the same at 100 or 100,000 runs.
            models.Index(fields=["user", "-created", "-id"], condition=SHOWN, name="history"),
            models.Index(
                fields=["user", "app_id", "-created", "-id"], condition=SHOWN, name="history_app"
            ),
            models.Index(
                fields=["user", "state", "-created", "-id"], condition=SHOWN, name="history_state"
            ),
            models.Index(
                fields=["user", "-created", "-id"],
                condition=SHOWN & Q(favourite=True),
                name="history_favourites",
            ),
            models.Index(fields=["team", "-created", "-id"], condition=SHARED, name="gallery"),
            models.Index(
                fields=["team", "app_id", "-created", "-id"], condition=SHARED, name="gallery_app"
            ),
            models.Index(
                fields=["team", "state", "-created", "-id"], condition=SHARED, name="gallery_state"
            ),
            # The retention job reads runs by when they ended, and the trash by deletion.
            models.Index(fields=["finished_at"], name="runs_by_end"),
            models.Index(
                fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="runs_in_trash"
            ),
            # Every worker looks for leases of dead workers each beat (runs/workers.py):
            # only the few runs held right now are in it, however long the history.
            models.Index(
                fields=["claimed_until"],
                condition=Q(claimed_until__isnull=False),
                name="runs_leased",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="one_generation_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.app_name or self.app_id} · {self.get_state_display()}"

    def get_absolute_url(self) -> str:
        return reverse("run_detail", args=[self.pk])

    IN_FLIGHT = (State.RUNNING, State.STALLED, State.COPYING)

    @property
    def is_shown(self) -> bool:
        """`RunQuerySet.shown` for a run already loaded (the same two fields)."""
        return self.deleted_at is None and not self.hidden

    @property
    def in_flight(self) -> bool:
        return self.state in self.IN_FLIGHT

    @property
    def finished(self) -> bool:
        return self.state in (self.State.COMPLETED, self.State.FAILED)

    @property
    def failure(self) -> str:
        """What went wrong, for the page being rendered."""
        return self.error_for(get_language() or "en")

    def error_for(self, language: str) -> str:
        """What went wrong: A1's own words in the reader's language when A1 gave them,
        else our wording of the problem (translated when shown, never stored)."""
        if language.lower().startswith("zh") and self.error_message_cn:
            return self.error_message_cn
        if self.error_message:
            return self.error_message
        if self.problem:
            return str(self.Problem(self.problem).label)
        return ""


class InputImageQuerySet(models.QuerySet["InputImage"]):
    def visible_to(self, user) -> InputImageQuerySet:
        if user.is_staff:
            return self
        # Own photos not (yet) part of a run, and photos of runs the user may see: a
        # deleted or hidden run takes its photos with it.
        return self.filter(
            Q(owner=user, run__isnull=True) | Q(run__in=Run.objects.visible_to(user))
        ).distinct()

    def shown(self) -> InputImageQuerySet:
        """Photos that may leave the portal: of shown runs, or in no run yet (Run's
        `shown` is the rule)."""
        return self.filter(Q(run__isnull=True) | Q(run__in=Run.objects.shown()))


def input_path(instance: InputImage, filename: str) -> str:
    return f"inputs/{instance.created:%Y/%m}/{instance.id}{_ext(filename)}"


def _ext(filename: str) -> str:
    return ".png" if filename.lower().endswith(".png") else ".jpg"


class InputImage(models.Model):
    """A photo a user supplied, normalised and kept by us, plus where A1 holds it.

    Who owns a photo is decided once: the kept file belongs to the person who gave it,
    `given_by`, set when the file is stored (services/photos.py `photo_keep`) and never
    changed. A remix, a batch item or a retry that reuses the file gets a row of its own
    (`photo_copy`) that carries the same `given_by`: its `owner` (whose run or batch
    item it is) only refers to the photo. So every row of one file names one giver, and:
    - erasing a person removes every row of the files they gave (the copies others made
      included) and the rows they own that refer to others' photos, nothing else;
    - a run, a batch item or a staged form takes only its own rows when it goes;
    - a file is deleted when no row refers to it any more.
    services/photo_owners.py `photos_leaving` applies the rule for every removal path.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Whose run, batch item or form this row is part of (not necessarily who gave it).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos_given"
    )
    run = models.ForeignKey(
        Run,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inputs",
        db_column="generation_id",  # the column kept its name when "generation" became "run"
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
    # A photo waiting in a batch: kept until its item is sent, however long that takes.
    batch_item = models.ForeignKey(
        "generator.BatchItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="photos",
    )

    objects = InputImageQuerySet.as_manager()

    class Meta:
        ordering = ["form_id", "position", "created"]
        indexes = [
            # The worker's hourly sweep of photos staged by forms never submitted.
            models.Index(fields=["created"], condition=Q(run__isnull=True), name="staged_photos"),
            # Removal asks whether another row still uses a file before deleting it.
            models.Index(fields=["file"], name="photo_files"),
        ]

    def __str__(self) -> str:
        return self.original_name or str(self.id)


class ResultImageQuerySet(models.QuerySet["ResultImage"]):
    def visible_to(self, user) -> ResultImageQuerySet:
        return self.filter(run__in=Run.objects.visible_to(user))

    def shown(self) -> ResultImageQuerySet:
        """Results of shown runs only (Run's `shown` is the rule)."""
        return self.filter(run__in=Run.objects.shown())


THUMBNAIL_SIDE = (
    320  # the side of the square a result's thumbnail fits (grid cards are 200-260 px wide)
)


def result_path(instance: ResultImage, filename: str) -> str:
    return f"results/{instance.created:%Y/%m}/{filename}"


class ResultImage(models.Model):
    """One image A1 made: our copy, its thumbnail, and A1's (expiring) link."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(
        Run,
        db_column="generation_id",  # the column kept its name when "generation" became "run"
        on_delete=models.CASCADE,
        related_name="results",
    )
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
        ordering = ["run", "index"]
        # Removal asks whether another row still uses a file before deleting it.
        indexes = [
            models.Index(fields=["file"], name="result_files"),
            models.Index(fields=["thumbnail"], name="result_thumbnails"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="one_result_per_index")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} #{self.index + 1}"

    @property
    def thumbnail_width(self) -> int:
        """The thumbnail's own width (it fits a THUMBNAIL_SIDE square, never enlarged), for
        the run page's srcset: a portrait result's thumbnail is narrower than the side, and
        saying otherwise makes the browser show it blurred in a wider slot."""
        if not self.width or not self.height:
            return THUMBNAIL_SIDE
        scale = min(1.0, THUMBNAIL_SIDE / max(self.width, self.height))
        return max(1, round(self.width * scale))

    @property
    def download_name(self) -> str:
        """What a download of this result is called, everywhere (a single download, a
        run's ZIP, the bulk bar's ZIP, the REST API): app, run and number, no suffix."""
        return f"{slugify(self.run.app_name) or 'a1'}-{str(self.run_id)[:8]}-{self.index + 1}"

    @property
    def suffix(self) -> str:
        """The stored file's extension, with its dot."""
        return "." + (self.file.name or "").rsplit(".", 1)[-1] if self.file else ""

    @property
    def copied(self) -> bool:
        return bool(self.file)

    @property
    def settled(self) -> bool:
        """Copied, or given up on: nothing more will happen to it."""
        return self.copied or self.expired


class WorkerHeartbeat(models.Model):
    """Each worker's last beat (runs/workers.py), and whether it reached A1 at its last
    sweep (read by /healthz). Leases trust it: a stale beat means a dead worker."""

    worker = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)
    upstream_ok = models.BooleanField(default=False)

    class Meta:
        db_table = "generator_workerheartbeat"  # kept when the model moved to ops and back

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%H:%M:%S}"
