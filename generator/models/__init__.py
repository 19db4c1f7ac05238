"""A1 Studio's data, one module per concept: runs, teams, money, keys, operations."""

from .keys import ApiKey, WebhookDelivery
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
    "ApiKey",
    "AppDefinition",
    "AppVisit",
    "BalanceAlert",
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
    "WebhookDelivery",
    "WorkerHeartbeat",
    "input_path",
    "result_path",
]
