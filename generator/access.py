"""The one rule for who may see what: every view, media endpoint, download, the REST API
and the gateway go through here.

Two questions, one helper each:
- may this person look at it? `visible_or_404`: pages, fragments and media views. Staff
  see everything there (they review hidden and trashed runs on those pages and in the
  admin); everyone else sees only shown runs.
- may it leave the portal to this person? `shown_or_404` / `shown_to`: downloads, ZIPs,
  the REST API, the gateway, and images taken into new work. Nothing hidden by staff or
  in the trash, for staff too (`RunQuerySet.shown` is that rule and lists every
  output that calls it).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.http import Http404

from generator.models import ResultImage, Run, Team


def visible_or_404(user, model: type[models.Model], pk) -> models.Model:
    """The object if `user` may see it, else 404 (never 403: its existence stays hidden).

    Each model's QuerySet defines `visible_to(user)`: own work, work shared with the
    user's teams, and everything for staff.
    """
    if not user.is_authenticated:
        raise Http404
    return _one_or_404(model.objects.visible_to(user), pk)


def _one_or_404(queryset, pk) -> models.Model:
    try:
        pk = uuid.UUID(str(pk))
    except ValueError:
        raise Http404 from None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def shown_to(user, model: type[models.Model]) -> models.QuerySet:
    """What of `model` (runs, results, photos) may leave the portal to `user`: what they
    may see, less anything hidden by staff or in the trash, whoever asks."""
    return model.objects.visible_to(user).shown()


def shown_or_404(user, model: type[models.Model], pk, *, owned: bool = False) -> models.Model:
    """The object if it may leave the portal to `user` (`shown_to`), else 404; with
    `owned`, only the user's own (a task is its owner's, as at A1)."""
    if not user.is_authenticated:
        raise Http404
    obj = _one_or_404(shown_to(user, model), pk)
    if owned and obj.user_id != user.id:
        raise Http404
    return obj


def results_visible_or_404(user, ids) -> list[ResultImage]:
    """Several results at once (the compare page), in the order asked for, with their runs:
    every one must be visible to `user` (visible_or_404's rule, one query for all), else
    404, so a page never shows some and hides which others exist."""
    if not user.is_authenticated:
        raise Http404
    try:
        pks = [uuid.UUID(str(pk)) for pk in ids]
    except ValueError:
        raise Http404 from None
    found = {
        result.pk: result
        for result in ResultImage.objects.visible_to(user).filter(pk__in=pks).select_related("run")
    }
    if any(pk not in found for pk in pks):
        raise Http404
    return [found[pk] for pk in pks]


def owned_or_404(user, model: type[models.Model], pk) -> models.Model:
    """Like visible_or_404, for acting on the object: teammates may look, the owner acts."""
    obj = visible_or_404(user, model, pk)
    if obj.user_id != user.id:
        raise Http404
    return obj


def trashed_or_404(user, pk):
    """One of the user's own runs in the trash (still restorable), else 404."""
    if not user.is_authenticated:
        raise Http404
    return _one_or_404(Run.objects.in_trash(user), pk)


def editable_or_404(user, model: type[models.Model], pk) -> models.Model:
    """Like visible_or_404, for changing the object: the QuerySet's `editable_by(user)`
    decides (a team's managers, the owner of a personal one, staff). Members who may
    look but not change get the same 404 as everyone else."""
    obj = visible_or_404(user, model, pk)
    if not model.objects.editable_by(user).filter(pk=obj.pk).exists():
        raise Http404
    return obj


def team_or_404(user, team_id) -> Team:
    """A team the user is a member of (any team, for staff), else 404."""
    if not user.is_authenticated or not str(team_id).isdigit():
        raise Http404
    teams = Team.objects.all() if user.is_staff else Team.objects.filter(memberships__user=user)
    team = teams.filter(pk=int(team_id)).first()
    if team is None:
        raise Http404
    return team
