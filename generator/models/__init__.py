"""A1 Studio's data, one module per concept: runs, teams, money, operations, lifecycle."""

from .lifecycle import DataExport, FileRemoval, RemovalLog, Spending, export_path
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
    "DataExport",
    "FileRemoval",
    "Generation",
    "GenerationQuerySet",
    "InputImage",
    "Invite",
    "Membership",
    "Preferences",
    "RemovalLog",
    "ResultImage",
    "Spending",
    "Team",
    "Visibility",
    "WorkerHeartbeat",
    "export_path",
    "input_path",
    "result_path",
]
