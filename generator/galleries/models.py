"""Gallery stamps: a mark per person and per team that moves whenever something their
galleries show changes, so a rendered gallery can be kept until then."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def user_scope(user_id) -> str:
    return f"u:{user_id}"


def team_scope(team_id) -> str:
    return f"t:{team_id}"


# Moved by staff edits in the admin (teams, members, budgets): every gallery shows them.
EVERYONE = "all"


class GalleryStampQuerySet(models.QuerySet["GalleryStamp"]):
    # `self` spelled out: without it, django-stubs leaves this queryset's model unbound
    # inside the method (so bulk_create would not take GalleryStamps).
    def bump(
        self: GalleryStampQuerySet, *, users: Iterable = (), teams: Iterable = (), everyone=False
    ) -> None:
        """Move the stamps of these people and teams, in the caller's transaction (so
        they move exactly when the change they mark is committed).

        Rows are only ever added, never updated: writers of runs of one person or team
        take no lock on a shared row, so concurrent transactions cannot wait on, or
        deadlock over, the stamps. A scope's stamp is the count and the newest id of its
        rows: ids are drawn before commit, so a transaction that commits after a later
        one adds no newer id, but it does add to the count.
        """
        scopes = {user_scope(u) for u in users if u is not None}
        scopes |= {team_scope(t) for t in teams if t is not None}
        if everyone:
            scopes.add(EVERYONE)
        if scopes:
            self.bulk_create([GalleryStamp(scope=scope) for scope in sorted(scopes)])

    def prune(self, *, before, limit: int = 10_000) -> int:
        """Remove up to `limit` rows made before `before` that are not their scope's
        newest. Only old rows go: their transactions were committed long ago, so every
        token of a page that may still be kept counted them, and no token comes back."""
        newest = self.filter(scope=OuterRef("scope")).order_by("-id").values("id")[:1]
        stale = self.filter(id__lt=Subquery(newest), created__lt=before)
        return self.filter(id__in=list(stale.values_list("id", flat=True)[:limit])).delete()[0]


class GalleryStamp(models.Model):
    id = models.BigAutoField(primary_key=True)
    scope = models.CharField(max_length=40)
    created = models.DateTimeField(default=timezone.now)

    objects = GalleryStampQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["scope", "-id"], name="stamps_by_scope")]
        verbose_name = _("gallery stamp")
        verbose_name_plural = _("gallery stamps")

    def __str__(self) -> str:
        return f"{self.scope}#{self.id}"


class StampedQuerySet[M: models.Model](models.QuerySet[M]):
    """A queryset of rows with a `user` and a `team` that galleries show: its writes move
    the gallery stamps of the owners and teams they touch. Writes of `unseen_fields`
    alone (bookkeeping no gallery shows) move nothing."""

    unseen_fields: frozenset[str] = frozenset()

    def owners_and_teams(self) -> tuple[set, set]:
        # Read without the caller's row lock: FOR UPDATE cannot go with DISTINCT (as
        # Django's own delete() does, the lock stays with the write that follows).
        qs = self.all()  # a copy (`_chain`), so the flag below stays on it
        qs.query.select_for_update = False
        rows = set(qs.order_by().values_list("user_id", "team_id").distinct())
        return {u for u, _t in rows}, {t for _u, t in rows}

    def touch(self) -> None:
        """Move the stamps of these rows without changing them: for writes to what
        their cards show that are not writes of the rows (a run's photos, results)."""
        users, teams = self.owners_and_teams()
        GalleryStamp.objects.bump(users=users, teams=teams)

    def update(self, **kwargs) -> int:
        if self.unseen_fields.issuperset(kwargs):
            return super().update(**kwargs)
        users, teams = self.owners_and_teams()
        count = super().update(**kwargs)
        if count:
            new_team = kwargs.get("team", kwargs.get("team_id"))  # the team it joins
            teams.add(getattr(new_team, "pk", new_team))
            GalleryStamp.objects.bump(users=users, teams=teams)
        return count
