"""A1 Studio's data, one module per concept: runs, teams, money, operations."""

from .batches import Batch, BatchItem
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
from .teams import Invite, Membership, Preferences, Team, Visibility, sharing_defaults

__all__ = [
    "AppDefinition",
    "AppVisit",
    "BalanceAlert",
    "Batch",
    "BatchItem",
    "Budget",
    "Chore",
    "Generation",
    "GenerationQuerySet",
    "InputImage",
    "Invite",
    "Membership",
    "Preferences",
    "ResultImage",
    "Team",
    "Visibility",
    "WorkerHeartbeat",
    "input_path",
    "result_path",
    "sharing_defaults",
]
