"""Gallery stamps: one token per person and per team that changes whenever something
their galleries show changes, so a rendered gallery can be kept until then."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


def user_scope(user_id) -> str:
    return f"u:{user_id}"


def team_scope(team_id) -> str:
    return f"t:{team_id}"


# Moved by staff edits in the admin (teams, members, budgets): every gallery shows them.
EVERYONE = "all"


class GalleryStampQuerySet(models.QuerySet):
    def bump(self, *, users: Iterable = (), teams: Iterable = (), everyone=False) -> None:
        """A new token for each of these people and teams (in the caller's transaction,
        so the token moves exactly when the change it marks is committed)."""
        scopes = {user_scope(u) for u in users if u is not None}
        scopes |= {team_scope(t) for t in teams if t is not None}
        if everyone:
            scopes.add(EVERYONE)
        if not scopes:
            return
        self.bulk_create(
            [GalleryStamp(scope=scope, token=uuid.uuid4().hex) for scope in sorted(scopes)],
            update_conflicts=True,
            unique_fields=["scope"],
            update_fields=["token"],
        )

    def tokens(self, *, user_id, team_ids: Iterable) -> str:
        """The current tokens of a person and their teams, as one string for a cache key."""
        scopes = [EVERYONE, user_scope(user_id)] + [team_scope(t) for t in sorted(team_ids)]
        found = dict(self.filter(scope__in=scopes).values_list("scope", "token"))
        return ".".join(f"{scope}={found.get(scope, '')}" for scope in scopes)


class GalleryStamp(models.Model):
    scope = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=32)

    objects = GalleryStampQuerySet.as_manager()

    class Meta:
        verbose_name = _("gallery stamp")
        verbose_name_plural = _("gallery stamps")

    def __str__(self) -> str:
        return f"{self.scope}={self.token}"
