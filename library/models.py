"""The app library: the apps a team (or one person) works with, and saved presets.

AppDefinition stays the cache of what A1 said about an app; these rows are what people
decided about it (names, tags, notes, order, presets) and what the version watch
learned (the version last seen, which form fields came and went).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from generator.teams.models import Team


def _teams_of(user):
    return Team.objects.filter(memberships__user=user)


def _managed_by(user):
    return Team.objects.filter(memberships__user=user, memberships__role="manager")


class LibraryApp(models.Model):
    """One A1 app that some library holds, as the library last read it.

    Kept once per app whichever libraries hold it, so the daily version watch asks A1
    once per app. Cost, kind and photos are copied out of the definition so the library
    page can filter and sort on them in the database.
    """

    class Kind(models.TextChoices):
        FORM = "form", _("Form app")
        NODE = "node", _("Node app")

    app_id = models.CharField(max_length=32, unique=True)
    language = models.CharField(max_length=8, help_text=_("The language the watch reads it in"))
    name = models.CharField(max_length=300, blank=True)
    cover = models.URLField(max_length=1000, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.FORM)
    cost = models.PositiveSmallIntegerField(
        default=1, help_text=_("Points for one run of one image")
    )
    takes_photos = models.BooleanField(default=False)
    version_id = models.CharField(max_length=32)
    version_seen_at = models.DateTimeField(
        default=timezone.now, help_text=_("When the library first saw this version")
    )
    updated_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the watch found a newer version")
    )
    changes = models.JSONField(
        default=dict, blank=True, help_text=_("Form fields added, removed or changed then")
    )
    checked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    unavailable_code = models.IntegerField(
        null=True, blank=True, help_text=_("A1's code when it stopped serving the app")
    )

    class Meta:
        db_table = "generator_libraryapp"  # kept when the model moved here
        verbose_name = _("library app")

    def __str__(self) -> str:
        return self.name or self.app_id


class LibraryEntryQuerySet(models.QuerySet["LibraryEntry"]):
    def visible_to(self, user) -> LibraryEntryQuerySet:
        """The user's own library and their teams'; staff see every library."""
        if user.is_staff:
            return self
        return self.filter(Q(owner=user) | Q(team__in=_teams_of(user)))

    def editable_by(self, user) -> LibraryEntryQuerySet:
        """The user's own library and those of teams they manage; staff change any."""
        if user.is_staff:
            return self
        return self.filter(Q(owner=user) | Q(team__in=_managed_by(user)))


class LibraryEntry(models.Model):
    """An app in one library: a team's (team set) or one person's (owner set)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    app = models.ForeignKey(LibraryApp, on_delete=models.PROTECT, related_name="entries")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="library"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="library",
    )
    title = models.CharField(_("display name"), max_length=100, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    position = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Pinned order (empty: not pinned)")
    )
    search_text = models.TextField(blank=True, help_text=_("Display name, tags and note"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added = models.DateTimeField(default=timezone.now)

    objects = LibraryEntryQuerySet.as_manager()

    class Meta:
        db_table = "generator_libraryentry"  # kept when the model moved here
        verbose_name = _("library entry")
        verbose_name_plural = _("library entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False, owner__isnull=True)
                | Q(team__isnull=True, owner__isnull=False),
                name="library_entry_for_team_or_owner",
            ),
            models.UniqueConstraint(
                fields=["team", "app"], condition=Q(team__isnull=False), name="one_entry_per_team"
            ),
            models.UniqueConstraint(
                fields=["owner", "app"],
                condition=Q(owner__isnull=False),
                name="one_entry_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.app} in {self.team or self.owner}"


class PresetQuerySet(models.QuerySet["Preset"]):
    def visible_to(self, user) -> PresetQuerySet:
        """The user's own presets and those shared with their teams; staff see all."""
        if user.is_staff:
            return self
        return self.filter(
            Q(owner=user, team__isnull=True) | Q(team__in=_teams_of(user)),
        )

    def editable_by(self, user) -> PresetQuerySet:
        """Own personal presets, and shared ones of teams the user manages."""
        if user.is_staff:
            return self
        return self.filter(Q(owner=user, team__isnull=True) | Q(team__in=_managed_by(user)))


class Preset(models.Model):
    """A named, filled app form (never its photos), personal or shared with a team."""

    class Problem(models.TextChoices):
        """Why a preset needs a look, stored as a code and worded when shown."""

        GONE = "gone", _("“%(label)s” is no longer in the app.")
        RETYPED = "retyped", _("“%(label)s” is now a different kind of field.")
        STYLE = "style", _("The style “%(label)s” is no longer offered.")
        SIZE = "size", _("The app no longer takes a size.")
        COUNT = "count", _("The app now makes fewer images per run.")
        REQUIRED = "required", _("“%(label)s” is new and must be filled.")
        OTHER = "other", _("“%(label)s”: the app refuses this choice now.")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    app_id = models.CharField(max_length=32, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presets"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="presets",
        help_text=_("Shared with this team; empty: only its owner uses it"),
    )
    choices = models.JSONField(default=dict, help_text=_("The filled form, without photos"))
    version_id = models.CharField(
        max_length=32, help_text=_("The app version the choices were checked against")
    )
    problems = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Why it needs a look: [{field, label, problem}]; empty when fine"),
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    objects = PresetQuerySet.as_manager()

    class Meta:
        db_table = "generator_preset"  # kept when the model moved here
        ordering = ["name"]
        verbose_name = _("preset")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "app_id", "name"],
                condition=Q(team__isnull=False),
                name="one_team_preset_name",
            ),
            models.UniqueConstraint(
                fields=["owner", "app_id", "name"],
                condition=Q(team__isnull=True),
                name="one_personal_preset_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/apps/{self.app_id}/?preset={self.pk}"

    @property
    def needs_look(self) -> bool:
        return bool(self.problems)

    def problem_lines(self) -> list[str]:
        """The problems in the reader's language."""
        lines = []
        for item in self.problems:
            try:
                problem = self.Problem(item.get("problem"))
            except ValueError:
                problem = self.Problem.OTHER
            label = item.get("label") or item.get("field") or "?"
            lines.append(str(problem.label) % {"label": label})
        return lines
