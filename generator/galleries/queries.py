"""What the galleries show: history (runs and batch cards), the team gallery and the
trash, narrowed by one filter object; each card's picture and name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from generator.models import Batch, InputImage, ResultImage, Run, Team
from generator.runs.definitions import app_name_expression, app_names

ZIP_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class GalleryFilters:
    """What a gallery is narrowed to: the history and team pages' filter form and the
    REST API's history and gallery listings build one of these, and every gallery query
    takes it."""

    q: str = ""
    app: str = ""
    state: str = ""
    date_from: date | None = None
    date_to: date | None = None
    favourites: bool = False

    @property
    def runs_only(self) -> bool:
        """States and favourites belong to single runs: no batch card matches them."""
        return bool(self.state or self.favourites)

    def apply(self, qs: QuerySet) -> QuerySet:
        """Narrow runs (or batches: both have search_text, app_id and created)."""
        if self.q:
            for word in self.q.split()[:8]:
                qs = qs.filter(search_text__icontains=word)
        if self.app:
            qs = qs.filter(app_id=self.app)
        if self.state:
            qs = qs.filter(state=self.state)
        # Bounds on `created` itself (not on its date), so the indexes serve them too.
        if self.date_from:
            qs = qs.filter(created__gte=_day_start(self.date_from))
        if self.date_to:
            qs = qs.filter(created__lt=_day_start(self.date_to + timedelta(days=1)))
        if self.favourites:
            qs = qs.filter(favourite=True)
        return qs


NO_FILTERS = GalleryFilters()


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def for_grid(qs: QuerySet) -> QuerySet:
    """Each card needs one picture: the first saved result, else the first photo.

    Subqueries fetch just those ids in the page's own query, rather than loading every
    image of every card.
    """
    first_result = ResultImage.objects.filter(run=OuterRef("pk"), thumbnail__gt="").order_by(
        "index"
    )
    first_input = InputImage.objects.filter(run=OuterRef("pk")).order_by("form_id", "position")
    return qs.select_related("user").annotate(
        card_result=Subquery(first_result.values("pk")[:1]),
        card_width=Subquery(first_result.values("width")[:1]),
        card_height=Subquery(first_result.values("height")[:1]),
        card_input=Subquery(first_input.values("pk")[:1]),
        card_input_name=Subquery(first_input.values("original_name")[:1]),
        # How many are copied, for one placeholder per image still to come.
        card_copied=Subquery(
            first_result.order_by().values("run").annotate(n=Count("pk")).values("n")[:1]
        ),
    )


# The columns of a run a gallery card reads (its kept part's version, cards.card_version,
# the template around it, the page's order and the "runs finished" event): the rest of
# the row (the request sent to A1 and its answers, the worker's lease, the times of each
# step) is left unread, each of those costing its decoding on every card of a built page.
CARD_COLUMNS = (
    "id",
    "user",
    "team",
    "visibility",
    "batch",
    "kind",
    "app_id",
    "app_name",
    "language",
    "generate_num",
    "params",
    "state",
    "points_quoted",
    "points_spent",
    "favourite",
    "created",
    "source_result",
    "source_input",
)


def cards_named(*, qs: QuerySet, language: str) -> QuerySet:
    """Each card's app name in `language` (A1's code) where a definition in it is cached.

    A run keeps the name it had in the language it was started in; the card prefers A1's
    name in the reader's language, then the app's own (the same for everyone), and only
    then the run's.
    """
    if qs.model is Run:  # a batch's card reads its few columns whole
        qs = qs.only(*CARD_COLUMNS)
    return qs.annotate(card_name=app_name_expression(app_id=OuterRef("app_id"), language=language))


def history_sources(*, user, language: str, filters: GalleryFilters = NO_FILTERS) -> list[QuerySet]:
    """The user's own work as card sources for `galleries.page_read`: single runs, and
    each batch as one card (batch items show on the batch's page)."""
    runs = filters.apply(Run.objects.shown().filter(user=user, batch__isnull=True))
    sources = [cards_named(qs=for_grid(runs), language=language)]
    if filters.runs_only:
        return sources
    batches = replace(filters, state="", favourites=False).apply(
        Batch.objects.filter(user=user).exclude(state=Batch.State.DRAFT)
    )
    # A batch's card names its app as its runs' cards do: in the reader's language.
    return [*sources, cards_named(qs=batch_cards(qs=batches), language=language)]


def batch_cards(*, qs: QuerySet) -> QuerySet:
    """Batches with what their card shows: a first result (of a shown run) and how far
    they are."""
    first_result = (
        ResultImage.objects.shown()
        .filter(run__batch=OuterRef("pk"), thumbnail__gt="")
        .order_by("run__finished_at", "index")
    )
    done = Run.objects.filter(batch=OuterRef("pk"), state="completed")
    return qs.annotate(
        card_result=Subquery(first_result.values("pk")[:1]),
        items_total=Count("items", filter=~Q(items__state="invalid")),
        items_done=Subquery(
            done.order_by().values("batch").annotate(n=Count("pk")).values("n")[:1]
        ),
    )


def runs_list(*, user, filters: GalleryFilters = NO_FILTERS) -> QuerySet:
    """The user's own runs, every one (batch items too), newest first: for scripts,
    which want runs rather than the history page's batch cards."""
    runs = filters.apply(Run.objects.shown().filter(user=user))
    return for_grid(runs.order_by("-created"))


def gallery_sources(
    *, user, language: str, team: Team | None = None, filters: GalleryFilters = NO_FILTERS
) -> list[QuerySet]:
    """The team gallery as card sources, one per team: each walks its own index, where
    one query over several teams would have to sort all their runs."""
    team_ids = Team.objects.filter(memberships__user=user).values_list("pk", flat=True)
    if team is not None:
        team_ids = team_ids.filter(pk=team.pk)
    shared = Run.objects.shown().filter(visibility=Run.Visibility.TEAM)
    return [
        cards_named(qs=for_grid(filters.apply(shared.filter(team_id=pk))), language=language)
        for pk in team_ids
    ]


def gallery_list(
    *, user, team: Team | None = None, filters: GalleryFilters = NO_FILTERS
) -> QuerySet:
    """Everything members shared with the user's teams (or with one of them)."""
    teams = Team.objects.filter(memberships__user=user)
    if team is not None:
        teams = teams.filter(pk=team.pk)
    qs = Run.objects.shown().filter(visibility=Run.Visibility.TEAM, team__in=teams)
    return for_grid(filters.apply(qs).order_by("-created"))


def apps_used(*, language: str, user=None, team_ids: Iterable[int] = ()) -> list[tuple[str, str]]:
    """(app id, name) pairs for the app filter of a person's history (`user`) or of the
    team gallery (`team_ids`): the ids from `app_ids_used` (one index probe per app), the
    names from the cached definitions, in `language` where A1 has it, else the app's own."""
    ids = set(app_ids_used(user=user, team_ids=team_ids))
    names = {
        app_id: name for app_id, (name, _) in app_names(app_ids=ids, language=language).items()
    }
    return sorted(((a, names.get(a, a)) for a in ids), key=lambda pair: pair[1].lower())


def app_ids_used(*, user=None, team_ids: Iterable[int] = ()) -> list[str]:
    """The apps of a person's shown runs (`user`), or of the shown runs shared with these
    teams: one query per scope that skips through the `history_app` / `gallery_app`
    index from one app to the next (a recursive MIN(app_id) > the last one), so it costs
    one index probe per app, not a read of every run: the app filter of a history of
    100,000 runs costs what it costs at 100."""
    scopes = [("user_id", user.pk, "")] if user is not None else []
    scopes += [("team_id", pk, " AND visibility = 'team'") for pk in team_ids]
    found: set[str] = set()
    with connection.cursor() as cursor:
        for column, value, shared in scopes:
            cursor.execute(_skip_scan_sql(column, shared), [value, value])
            found.update(row[0] for row in cursor.fetchall())
    return sorted(found)


def _skip_scan_sql(column: str, shared: str) -> str:
    # The WHERE repeats the partial indexes' own condition word for word (SHOWN, SHARED in
    # generator/runs/models.py, as the migration wrote them), so the planner may use them.
    false = "0" if connection.vendor == "sqlite" else "false"
    where = f"{column} = %s AND deleted_at IS NULL AND hidden = {false}{shared}"
    table = Run._meta.db_table
    # Column and table names are fixed words of this module; the scope's id is a parameter.
    return f"""
        WITH RECURSIVE used(app_id) AS (
            SELECT MIN(app_id) FROM {table} WHERE {where} AND app_id > ''
            UNION ALL
            SELECT (SELECT MIN(r.app_id) FROM {table} r WHERE {where} AND r.app_id > used.app_id)
            FROM used WHERE used.app_id IS NOT NULL
        )
        SELECT app_id FROM used WHERE app_id IS NOT NULL
    """  # noqa: S608


def trash_list(*, user) -> QuerySet:
    """The user's deleted runs that can still be restored, most recently deleted first
    (no picture: a run in the trash shows its images nowhere)."""
    first_input = InputImage.objects.filter(run=OuterRef("pk")).order_by("form_id", "position")
    return (
        Run.objects.in_trash(user)
        .annotate(card_input_name=Subquery(first_input.values("original_name")[:1]))
        .order_by("-deleted_at")
    )
