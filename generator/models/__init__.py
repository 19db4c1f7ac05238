"""A1 Studio's data, one module per concept: runs, teams, money, operations, library."""

from .library import LibraryApp, LibraryEntry, Preset
from .money import BalanceAlert, Budget
from .ops import Chore, WorkerHeartbeat
from .runs import (
    AppDefinition,
    AppVisit,
    Generation,
    GenerationQuerySet,
    InputImage,
    ResultImage,
    input_path,
    result_path,
)
from .teams import Invite, Membership, Preferences, Team, Visibility

__all__ = [
    "AppDefinition",
    "AppVisit",
    "BalanceAlert",
    "Budget",
    "Chore",
    "Generation",
    "GenerationQuerySet",
    "InputImage",
    "Invite",
    "LibraryApp",
    "LibraryEntry",
    "Membership",
    "Preferences",
    "Preset",
    "ResultImage",
    "Team",
    "Visibility",
    "WorkerHeartbeat",
    "input_path",
    "result_path",
]
