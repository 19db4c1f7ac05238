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
from collections.abc import Iterable
from typing import Any, Protocol

from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.http import Http404

from generator.approvals.requests import approvals_visible_to
from generator.models import Approval, InputImage, ResultImage, Run, Team

type AnyUser = User | AnonymousUser


class _Scoped(Protocol):
    """A model's manager as this module uses it: its QuerySet's `visible_to(user)`."""

    def visible_to(self, user: Any, /) -> models.QuerySet[Any]: ...


class _Shown(Protocol):
    def shown(self) -> models.QuerySet[Any]: ...


class _ShownScoped(Protocol):
    """...and, for what may leave the portal, `visible_to(user).shown()`."""

    def visible_to(self, user: Any, /) -> _Shown: ...


class _EditableScoped(_Scoped, Protocol):
    def editable_by(self, user: Any, /) -> models.QuerySet[Any]: ...


class Guarded[M](Protocol):
    """A model class whose QuerySet says who may see its rows: calling it makes an M, so
    the helpers below return the model they were given (`visible_or_404(user, Run, pk)`
    is a Run)."""

    @property
    def objects(self) -> _Scoped: ...

    def __call__(self, *args: Any, **kwargs: Any) -> M: ...


class ShownGuarded[M](Protocol):
    """A guarded model whose QuerySet also has `shown()`: runs, results and photos."""

    @property
    def objects(self) -> _ShownScoped: ...

    def __call__(self, *args: Any, **kwargs: Any) -> M: ...


class EditableGuarded[M](Protocol):
    """A guarded model whose QuerySet also says who may change it (`editable_by`)."""

    @property
    def objects(self) -> _EditableScoped: ...

    def __call__(self, *args: Any, **kwargs: Any) -> M: ...


class _Row(Protocol):
    @property
    def pk(self) -> Any: ...


class _Owned(_Row, Protocol):
    """A row with an owner."""

    @property
    def user_id(self) -> int | None: ...


def visible_or_404[M: _Row](
    user: AnyUser, model: Guarded[M], pk: object, *, only: tuple[str, ...] = ()
) -> M:
    """The object if `user` may see it, else 404 (never 403: its existence stays hidden).

    Each model's QuerySet defines `visible_to(user)`: own work, work shared with the
    user's teams, and everything for staff. `only`: the columns the caller shows (all by
    default).
    """
    if not user.is_authenticated:
        raise Http404
    queryset = model.objects.visible_to(user)
    return _one_or_404(queryset.only(*only) if only else queryset, pk)


def _one_or_404(queryset: models.QuerySet[Any], pk: object) -> Any:
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        raise Http404 from None
    obj = queryset.filter(pk=key).first()
    if obj is None:
        raise Http404
    return obj


def shown_to[M: models.Model](user: AnyUser, model: ShownGuarded[M]) -> models.QuerySet[M]:
    """What of `model` (runs, results, photos) may leave the portal to `user`: what they
    may see, less anything hidden by staff or in the trash, whoever asks."""
    return model.objects.visible_to(user).shown()


def shown_or_404[M: models.Model](
    user: AnyUser, model: ShownGuarded[M], pk: object, *, owned: bool = False
) -> M:
    """The object if it may leave the portal to `user` (`shown_to`), else 404; with
    `owned`, only the user's own (a task is its owner's, as at A1)."""
    if not user.is_authenticated:
        raise Http404
    obj: M = _one_or_404(shown_to(user, model), pk)
    # Only runs are asked for `owned` (a task is its owner's); other rows have no owner.
    if owned and getattr(obj, "user_id", None) != user.id:
        raise Http404
    return obj


def results_visible_or_404(user: AnyUser, ids: Iterable[object]) -> list[ResultImage]:
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


def owned_or_404[M: _Owned](user: AnyUser, model: Guarded[M], pk: object) -> M:
    """Like visible_or_404, for acting on the object: teammates may look, the owner acts."""
    obj = visible_or_404(user, model, pk)
    if obj.user_id != user.id:
        raise Http404
    return obj


def staged_or_404(user: AnyUser, ids: Iterable[object], *, most: int) -> list[InputImage]:
    """The user's own photos staged a moment ago (a result used as input, photos shared
    from their phone) that no run or batch item took yet, oldest first: at least one and
    at most `most`, every one found, else 404 (a photo of someone else's is not found)."""
    if not user.is_authenticated:
        raise Http404
    try:
        wanted = {uuid.UUID(str(pk)) for pk in list(ids)[:most]}
    except ValueError:
        raise Http404 from None
    found = list(
        InputImage.objects.filter(
            pk__in=wanted, owner=user, run__isnull=True, batch_item__isnull=True
        ).order_by("created")
    )
    if not found or len(found) != len(wanted):
        raise Http404
    return found


def trashed_or_404(user: AnyUser, pk: object) -> Run:
    """One of the user's own runs in the trash (still restorable), else 404."""
    if not user.is_authenticated:
        raise Http404
    return _one_or_404(Run.objects.in_trash(user), pk)


def editable_or_404[M: _Row](user: AnyUser, model: EditableGuarded[M], pk: object) -> M:
    """Like visible_or_404, for changing the object: the QuerySet's `editable_by(user)`
    decides (a team's managers, the owner of a personal one, staff). Members who may
    look but not change get the same 404 as everyone else."""
    obj = visible_or_404(user, model, pk)
    if not model.objects.editable_by(user).filter(pk=obj.pk).exists():
        raise Http404
    return obj


def team_or_404(user: AnyUser, team_id: object) -> Team:
    """A team the user is a member of (any team, for staff), else 404."""
    if not user.is_authenticated or not str(team_id).isdigit():
        raise Http404
    teams = Team.objects.all() if user.is_staff else Team.objects.filter(memberships__user=user)
    team = teams.filter(pk=int(str(team_id))).first()
    if team is None:
        raise Http404
    return team


def approval_or_404(user: AnyUser, approval_id: object) -> Approval:
    """A request for approval the user may read (its requester, those who may answer it,
    staff), else 404."""
    if not user.is_authenticated or not str(approval_id).isdigit():
        raise Http404
    approval = approvals_visible_to(user=user).filter(pk=int(str(approval_id))).first()
    if approval is None:
        raise Http404
    return approval
