"""Whose batch item goes next: people take turns, teams too.

A1 is one account shared by everyone, and the pacer sends batch items one at a time
(pacing.py). Left in arrival order, one person's 1,000-item batch would make a
colleague's 5-item batch wait for all of it. Instead, each time the pacer has a slot it
asks `items_in_turn`: among the people with items waiting in running batches, the one
whose team, then who, has the fewest batch runs at A1 right now goes first, and among
equals the one served least recently; that person's oldest batch sends its next item.
While someone else's items wait, nobody has more than BATCH_MAX_IN_FLIGHT_PER_PERSON
batch runs at A1 at once; alone, a person may use the whole BATCH_MAX_IN_FLIGHT.

Runs people start from the app form or a script never wait here: they are sent at once
and do not count against the batches' in-flight cap, so they go ahead of every batch.
"""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.db.models import Count, Max

from generator.models import Batch, BatchItem, Run

State = Batch.State
Item = BatchItem.State
# A batch's runs that are at A1 (or about to be): the pace and the turns count these.
RUN_IN_FLIGHT = (
    Run.State.SUBMITTING,
    Run.State.RUNNING,
    Run.State.STALLED,
)


def _in_flight_by_person() -> Counter:
    """Batch runs at A1 (or being sent) per person right now."""
    busy: Counter = Counter()
    runs = (
        Run.objects.filter(batch__isnull=False, state__in=RUN_IN_FLIGHT)
        .values_list("user_id")
        .annotate(n=Count("pk"))
    )
    busy.update(dict(runs.values_list("user_id", "n")))
    sending = (
        BatchItem.objects.filter(state=Item.SENDING)
        .values_list("batch__user_id")
        .annotate(n=Count("pk"))
    )
    busy.update(dict(sending.values_list("batch__user_id", "n")))
    return busy


def waiting_people() -> list[tuple[int, int | None]]:
    """(person, team) pairs with items waiting in running batches."""
    return list(
        BatchItem.objects.filter(state=Item.WAITING, batch__state=State.RUNNING)
        .values_list("batch__user_id", "batch__team_id")
        .distinct()
    )


def people_in_turn(*, cap: int | None = None) -> list[int]:
    """People with waiting items, in the order they take their next turn. Those at
    their cap of batch runs at A1 are left out while anyone below it waits."""
    cap = settings.BATCH_MAX_IN_FLIGHT_PER_PERSON if cap is None else cap
    pairs = waiting_people()
    if not pairs:
        return []
    busy = _in_flight_by_person()
    team_busy: Counter = Counter()
    for user_id, team_id in set(pairs):
        if team_id is not None:
            team_busy[team_id] += busy[user_id]
    people = {user_id for user_id, _team in pairs}
    served = dict(
        Run.objects.filter(batch__isnull=False, user_id__in=people)
        .values_list("user_id")
        .annotate(last=Max("created"))
        .values_list("user_id", "last")
    )
    # A person's team load for the turn: the least busy of the teams their batches
    # bill (a batch billed to nobody's team counts as the person's own).
    team_load: dict[int, int] = {}
    for user_id, team_id in pairs:
        load = busy[user_id] if team_id is None else team_busy[team_id]
        team_load[user_id] = min(team_load.get(user_id, load), load)
    ordered = sorted(
        people,
        key=lambda user_id: (
            team_load[user_id],
            busy[user_id],
            served[user_id].timestamp() if user_id in served else float("-inf"),
            user_id,
        ),
    )
    under = [user_id for user_id in ordered if busy[user_id] < cap]
    return under or ordered


def items_in_turn(*, cap: int | None = None, per_person: int = 3) -> list[int]:
    """Waiting items to try claiming, in turn order: a few of the first person's (in
    case another pacer claims one first), then the next person's."""
    order: list[int] = []
    for user_id in people_in_turn(cap=cap):
        order += list(
            BatchItem.objects.filter(
                state=Item.WAITING, batch__state=State.RUNNING, batch__user_id=user_id
            )
            .order_by("batch__started_at", "batch_id", "index")
            .values_list("pk", flat=True)[:per_person]
        )
    return order


def batch_turn(*, batch: Batch) -> tuple[int, int]:
    """(people ahead of this batch's owner in the turn, people sharing the pace): what
    the batch page says while items wait."""
    order = people_in_turn(cap=10**9)
    sharing = max(1, len(order))
    ahead = order.index(batch.user_id) if batch.user_id in order else 0
    return ahead, sharing
