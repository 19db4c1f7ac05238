"""The app library: which apps a team (or one person) works with, and how it finds them.

Adding reads each app from A1 once (through the definition cache); everything the
library page shows afterwards comes from our database, in a fixed number of queries
however many apps a library holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Lower, NullIf, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from a1 import A1Error
from a1 import App as A1App
from generator.models import AppDefinition, Membership, ResultImage, Run, Team
from generator.runs.definitions import (
    AppUnavailable,
    RecentApp,
    app_cost_set,
    app_fetch,
    app_name_expression,
    app_positions_set,
    apps_recent,
)
from generator.runs.inputs import app_slots
from generator.runs.messages import user_message
from generator.teams.services import preferences_for, teams_of
from library.models import LibraryApp, LibraryEntry
from library.presets import presets_by_app

PAGE_SIZE = 48
EXAMPLES = 3
UPDATED_FOR = timedelta(days=14)  # how long a card says "updated"
SORTS = ("pinned", "last_used", "most_used", "newest")


# --- which library --------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """One library (a team's or the user's own), or all of the user's at once."""

    key: str  # "personal", "all", or a team id
    team: Team | None = None

    @property
    def personal(self) -> bool:
        return self.key == "personal"

    @property
    def everything(self) -> bool:
        return self.key == "all"

    @property
    def label(self) -> str:
        if self.team is not None:
            return self.team.name
        return _("All my apps") if self.everything else _("Personal")


def scopes_for(*, user) -> list[Scope]:
    """The libraries the user may pick: their own, each of their teams, all at once."""
    teams = Team.objects.all() if user.is_staff else teams_of(user=user)
    scopes = [Scope(str(team.pk), team) for team in teams.order_by("name")]
    return [*scopes, Scope("personal"), Scope("all")]


def scope_default(*, user, scopes: list[Scope]) -> Scope:
    """The user's default team's library, else their first team's, else their own."""
    teams = [(s, s.team) for s in scopes if s.team is not None]
    default_team = preferences_for(user).default_team_id
    mine = set(teams_of(user=user).values_list("pk", flat=True))
    for scope, team in teams:
        if team.pk == default_team and team.pk in mine:
            return scope
    for scope, team in teams:
        if team.pk in mine:
            return scope
    return next(s for s in scopes if s.personal)


def _entries_in(scope: Scope, user) -> QuerySet:
    if scope.team is not None:
        return LibraryEntry.objects.filter(team=scope.team)
    if scope.personal:
        return LibraryEntry.objects.filter(owner=user)
    return LibraryEntry.objects.filter(Q(owner=user) | Q(team__in=teams_of(user=user)))


def _runs_in(scope: Scope, user) -> Q:
    """The runs whose use counts for this library: the team's, or the user's own."""
    if scope.team is not None:
        return Q(team=scope.team)
    if scope.personal:
        return Q(user=user)
    return Q(user=user) | Q(team__in=teams_of(user=user))


def _shared_in(scope: Scope, user) -> Q:
    """The runs this library may show as examples: shared with the team, or own."""
    if scope.team is not None:
        return Q(team=scope.team, visibility=Run.Visibility.TEAM)
    if scope.personal:
        return Q(user=user)
    return Q(user=user) | Q(team__in=teams_of(user=user), visibility=Run.Visibility.TEAM)


def can_change(*, user, scope: Scope) -> bool:
    """Managers change their team's library, everyone their own, staff any."""
    if scope.everything:
        return False
    if scope.personal or user.is_staff:
        return True
    return Membership.objects.filter(
        user=user, team=scope.team, role=Membership.Role.MANAGER
    ).exists()


# --- adding -----------------------------------------------------------------------------


@dataclass
class Refused:
    text: str  # what the person typed
    reason: str


@dataclass
class Added:
    added: list[LibraryEntry] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def _library_app(app_id: str, app: A1App, language: str) -> LibraryApp:
    """The library's row for an app, made from a definition the first time it is added."""
    defaults = {
        "language": language,
        "name": app.name[:300],
        "cover": app.cover[:1000],
        "kind": LibraryApp.Kind.NODE if app.is_node else LibraryApp.Kind.FORM,
        "cost": min(app.cost(1), 32767),
        "takes_photos": bool(app_slots(app)),
        "version_id": app.version_id,
    }
    try:
        with transaction.atomic():
            row, _created = LibraryApp.objects.get_or_create(app_id=app_id, defaults=defaults)
    except IntegrityError:  # two people added it at once
        row = LibraryApp.objects.get(app_id=app_id)
    return row


def library_app_charge(
    *, app: LibraryApp, kind: str, points: int | None, positions: int | None = None
) -> LibraryApp:
    """Staff correct what an app costs (its kind, points per image or per run) and how
    many people its group photo takes: the portal quotes, holds and charges by it from
    now on (`app_cost_set`), its form asks for that many photos (`app_positions_set`),
    and the library's cards and filters show it."""
    app_cost_set(app_id=app.app_id, kind=kind, points=points)
    app_positions_set(app_id=app.app_id, positions=positions)
    definition = AppDefinition.objects.filter(app_id=app.app_id).order_by("-fetched_at").first()
    if definition is not None:
        charged = definition.app
        LibraryApp.objects.filter(pk=app.pk).update(
            kind=LibraryApp.Kind.NODE if charged.is_node else LibraryApp.Kind.FORM,
            cost=min(charged.cost(1), 32767),
        )
    app.refresh_from_db()
    return app


def library_add(*, user, scope: Scope, refs: list[tuple[str, str]], language: str) -> Added:
    """Add apps to one library: `refs` are (what was typed, app id) pairs.

    Each app is read through the definition cache (A1 is asked at most once per app);
    the ones that cannot be added come back with their reason, the others are added.
    """
    outcome = Added()
    held = set(_entries_in(scope, user).values_list("app__app_id", flat=True))
    for text, app_id in refs:
        if app_id in held:
            outcome.refused.append(Refused(text, _("This app is already in this library.")))
            continue
        try:
            definition = app_fetch(app_id=app_id, language=language)
        except AppUnavailable as exc:
            outcome.refused.append(Refused(text, exc.message))
            continue
        except A1Error as exc:
            outcome.refused.append(Refused(text, user_message(exc)))
            continue
        app = definition.app
        if not app.generatable:
            outcome.refused.append(
                Refused(
                    text, _("This app has a field the A1 API cannot fill, so it cannot run here.")
                )
            )
            continue
        row = _library_app(app_id, app, language)
        try:
            with transaction.atomic():
                entry = LibraryEntry.objects.create(
                    app=row,
                    team=scope.team,
                    owner=None if scope.team is not None else user,
                    added_by=user,
                )
        except IntegrityError:
            outcome.refused.append(Refused(text, _("This app is already in this library.")))
            continue
        held.add(app_id)
        outcome.added.append(entry)
    return outcome


# --- changing an entry -----------------------------------------------------------------


def _search_text(title: str, tags: list[str], note: str) -> str:
    return " ".join([title, *tags, note]).strip()


def entry_update(*, entry: LibraryEntry, title: str, tags: list[str], note: str) -> None:
    """What a manager says about an app: its display name, tags and note."""
    entry.title, entry.tags, entry.note = title, tags, note
    entry.search_text = _search_text(title, tags, note)
    entry.save(update_fields=["title", "tags", "note", "search_text"])


def _siblings(entry: LibraryEntry) -> QuerySet:
    if entry.team_id is not None:
        return LibraryEntry.objects.filter(team_id=entry.team_id)
    return LibraryEntry.objects.filter(owner_id=entry.owner_id)


def entry_pin(*, entry: LibraryEntry, pinned: bool) -> None:
    """Pin at the end of the pinned apps, or unpin."""
    with transaction.atomic():
        if pinned:
            last = _siblings(entry).select_for_update().aggregate(last=Max("position"))["last"]
            position = (last or 0) + 1
        else:
            position = None
        LibraryEntry.objects.filter(pk=entry.pk).update(position=position)
    entry.position = position


def entry_move(*, entry: LibraryEntry, up: bool) -> None:
    """Swap a pinned app with the pinned one before (or after) it."""
    with transaction.atomic():
        pinned = list(
            _siblings(entry)
            .select_for_update()
            .filter(position__isnull=False)
            .order_by("position", "added")
            .values_list("pk", flat=True)
        )
        if entry.pk not in pinned:
            return
        at = pinned.index(entry.pk)
        to = at - 1 if up else at + 1
        if not 0 <= to < len(pinned):
            return
        pinned[at], pinned[to] = pinned[to], pinned[at]
        # Renumber the whole pinned run: positions stay dense however they drifted.
        for position, pk in enumerate(pinned, start=1):
            LibraryEntry.objects.filter(pk=pk).update(position=position)


def entry_remove(*, entry: LibraryEntry) -> None:
    LibraryEntry.objects.filter(pk=entry.pk).delete()


def app_approve(*, app_id: str, approved: bool) -> None:
    """Staff's allow-list (APPS_ALLOW_ANY=0): every cached version follows the decision."""
    AppDefinition.objects.filter(app_id=app_id).update(allowed=approved)


# --- the page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    q: str = ""
    kind: str = ""  # "form" / "node"
    cost: int | None = None  # at most this many points per run
    photos: str = ""  # "yes" / "no"
    waiting: bool = False  # staff: only apps waiting for approval
    sort: str = "pinned"


@dataclass
class LibraryPage:
    scope: Scope
    page: Page
    can_change: bool
    recent: list[RecentApp]
    total: int


def entries_list(*, user, scope: Scope, filters: Filters, language: str) -> QuerySet:
    """The library's entries, filtered and sorted, each with what its card shows."""
    app_id = OuterRef("app__app_id")
    # A1's name in the reader's language, else the app's own: never the last read.
    name_here = app_name_expression(app_id=app_id, language=language)
    runs = (
        Run.objects.filter(_runs_in(scope, user), app_id=app_id, deleted_at__isnull=True)
        .order_by()
        .values("app_id")
    )
    qs = (
        _entries_in(scope, user)
        .select_related("app", "team")
        .annotate(
            shown_name=Coalesce(
                NullIf(F("title"), Value("")),
                NullIf(name_here, Value("")),
                NullIf(F("app__name"), Value("")),
                F("app__app_id"),
            ),
            runs=Coalesce(Subquery(runs.annotate(n=Count("pk")).values("n")), 0),
            last_used=Subquery(runs.annotate(last=Max("created")).values("last")),
            approved=Exists(AppDefinition.objects.filter(app_id=app_id, allowed=True)),
        )
    )
    for word in filters.q.split()[:8]:
        qs = qs.filter(
            Q(search_text__icontains=word)
            | Q(shown_name__icontains=word)
            | Q(app__name__icontains=word)
            | Q(app__app_id=word)
        )
    if filters.kind:
        qs = qs.filter(app__kind=filters.kind)
    if filters.cost is not None:
        qs = qs.filter(app__cost__lte=filters.cost)
    if filters.photos:
        qs = qs.filter(app__takes_photos=filters.photos == "yes")
    if filters.waiting:
        qs = qs.filter(approved=False)
    by_name = Lower("shown_name").asc()
    orders = {
        "pinned": [F("position").asc(nulls_last=True), by_name],
        "last_used": [F("last_used").desc(nulls_last=True), by_name],
        "most_used": [F("runs").desc(), by_name],
        "newest": [F("app__version_seen_at").desc(), by_name],
    }
    return qs.order_by(*orders.get(filters.sort, orders["pinned"]), "pk")


def examples_for(*, user, scope: Scope, app_ids: list[str]) -> dict[str, list]:
    """Up to three of the library's own results per app, favourites first: result ids,
    served by the media views (which apply the same access rule again)."""
    first_result = ResultImage.objects.filter(run=OuterRef("pk"), thumbnail__gt="").order_by(
        "index"
    )
    ranked = (
        Run.objects.shown()
        .filter(_shared_in(scope, user), app_id__in=app_ids, kind=Run.Kind.GENERATE)
        .annotate(card_result=Subquery(first_result.values("pk")[:1]))
        .filter(card_result__isnull=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("app_id")],
                order_by=[F("favourite").desc(), F("created").desc()],
            )
        )
        .filter(rank__lte=EXAMPLES)
        .order_by("app_id", "rank")
        .values_list("app_id", "card_result")
    )
    examples: dict[str, list] = {}
    for app_id, result_id in ranked:
        examples.setdefault(app_id, []).append(result_id)
    return examples


def library_page(
    *, user, scope: Scope, filters: Filters, language: str, page_number=None
) -> LibraryPage:
    """One page of a library's cards, with examples and presets: a fixed number of
    queries whatever the library's size."""
    qs = entries_list(user=user, scope=scope, filters=filters, language=language)
    page = Paginator(qs, PAGE_SIZE).get_page(page_number)
    entries = list(page.object_list)
    app_ids = [entry.app.app_id for entry in entries]
    examples = examples_for(user=user, scope=scope, app_ids=app_ids)
    presets = presets_by_app(user=user, app_ids=app_ids, team=scope.team)
    editable = set(
        LibraryEntry.objects.editable_by(user)
        .filter(pk__in=[e.pk for e in entries])
        .values_list("pk", flat=True)
    )
    recently = timezone.now() - UPDATED_FOR
    pinned = [e for e in entries if e.position is not None]
    for entry in pinned:
        # Moving is offered where the order is shown: the pinned sort.
        entry.can_move_up = filters.sort == "pinned" and entry is not pinned[0]
        entry.can_move_down = filters.sort == "pinned" and entry is not pinned[-1]
    for entry in entries:
        entry.examples = examples.get(entry.app.app_id, [])
        entry.presets = presets.get(entry.app.app_id, [])
        entry.can_change = entry.pk in editable
        entry.recently_updated = bool(entry.app.updated_at and entry.app.updated_at > recently)
    page.object_list = entries
    changeable = can_change(user=user, scope=scope)
    recent = []
    if changeable:
        held = set(_entries_in(scope, user).values_list("app__app_id", flat=True))
        recent = [
            app
            for app in apps_recent(user=user, language=language, limit=24)
            if app.app_id not in held
        ][:8]
    return LibraryPage(scope, page, changeable, recent, page.paginator.count)


def entries_holding(*, user, app_id: str) -> list[LibraryEntry]:
    """This app's entries in the libraries the user uses (their notes show on its page)."""
    return list(
        LibraryEntry.objects.filter(
            Q(owner=user) | Q(team__in=teams_of(user=user)), app__app_id=app_id
        ).select_related("team")
    )


def scopes_to_add(*, user, app_id: str) -> list[Scope]:
    """The libraries the user may add this app to and that do not hold it yet: their
    own, and the teams they manage."""
    managed = Team.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.MANAGER
    ).order_by("name")
    holders = LibraryEntry.objects.filter(app__app_id=app_id)
    held_by_teams = set(holders.filter(team__isnull=False).values_list("team_id", flat=True))
    scopes = [Scope(str(team.pk), team) for team in managed if team.pk not in held_by_teams]
    if not holders.filter(owner=user).exists():
        scopes.append(Scope("personal"))
    return scopes


def allow_list_on() -> bool:
    return not settings.APPS_ALLOW_ANY
