"""Teams, who is in them, invites, and each user's sharing defaults."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    """Who sees a run: sharing is a team concept, so it lives here."""

    PRIVATE = "private", _("Only me")
    TEAM = "team", _("My team")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    created = models.DateTimeField(default=timezone.now)
    share_new_runs = models.BooleanField(
        _("share new runs with the team by default"),
        default=False,
        help_text=_("Members' new runs start shared with this team unless they chose otherwise."),
    )
    approval_threshold = models.PositiveIntegerField(
        _("approval threshold (points)"),
        null=True,
        blank=True,
        help_text=_("Runs and batches quoted over this many points wait for a manager's approval."),
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


class Preferences(models.Model):
    """A user's defaults for new runs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    default_visibility = models.CharField(
        _("share new runs with"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PRIVATE,
    )
    default_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    chosen = models.BooleanField(
        default=False, help_text=_("The user saved these defaults (they then beat the team's).")
    )

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return f"preferences of {self.user}"


class Invite(models.Model):
    """A one-time link a team manager sends to bring someone into the team."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True)
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    # Whom the manager meant it for (blank: whoever gets the link); an account made
    # through it starts with this address. sent_at: when it was emailed there.
    email = models.EmailField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
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


def sharing_defaults(user) -> tuple[str, Team | None]:
    """(visibility, team) a new run of this user starts with; reads only.

    The user's own saved defaults win; until they save any, a team that shares new runs
    by default (their default team if they are still in it, else their first) makes
    them start shared with it.
    """
    preferences = Preferences.objects.filter(user=user).select_related("default_team").first()
    teams = Team.objects.filter(memberships__user=user).order_by("name")
    default = preferences.default_team if preferences else None
    team = default if default is not None and teams.filter(pk=default.pk).exists() else None
    team = team or teams.first()
    chosen = preferences is not None and preferences.chosen
    if not chosen and team is not None and team.share_new_runs:
        return Visibility.TEAM, team
    visibility = preferences.default_visibility if preferences else Visibility.PRIVATE
    return visibility, (default or team)
