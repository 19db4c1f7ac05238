"""Keeping one of the results being compared: its run becomes a favourite, and the
other runs may go to the trash (with the galleries' Undo).

Favourites and the trash belong to generator/runs/actions (through the bulk writes,
which touch only the user's own live runs): this module only decides which runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from generator.galleries import bulk
from generator.models import Run
from generator.runs import actions


@dataclass(frozen=True)
class Kept:
    """What keeping one did: the runs that went to the trash (for Undo), and how many
    others stayed (someone else's, or the kept run itself when results share it)."""

    trashed: list[uuid.UUID] = field(default_factory=list)
    stayed: int = 0


def result_keep(*, user, run: Run, others: Iterable[uuid.UUID], trash_others: bool) -> Kept:
    """Favourite `run` (the user's own: the view checked it) and, when asked, move the
    user's own runs among `others` (run ids of the other results) to the trash. A result
    of the kept run itself never takes its run with it."""
    actions.run_favourite(run=run, favourite=True)
    other_runs = list(dict.fromkeys(pk for pk in others if pk != run.pk))
    if not trash_others:
        return Kept()
    trashed = bulk.runs_bulk_delete(user=user, ids=other_runs)
    return Kept(trashed=trashed, stayed=len(other_runs) - len(trashed))
