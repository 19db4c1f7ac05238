"""The one rule for who may see what: every view and media endpoint goes through here."""

from __future__ import annotations

import uuid

from django.db import models
from django.http import Http404

from .models import Generation, ResultImage, Team


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
        for result in ResultImage.objects.visible_to(user)
        .filter(pk__in=pks)
        .select_related("generation")
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
    return _one_or_404(Generation.objects.in_trash(user), pk)


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
