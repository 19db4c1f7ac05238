"""A1 Studio's data, one module per concept: runs, teams, money, keys, operations."""

from .batches import Batch, BatchItem
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
from .teams import Invite, Membership, Preferences, Team, Visibility, sharing_defaults

__all__ = [
    "ApiKey",
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
    "WebhookDelivery",
    "WorkerHeartbeat",
    "input_path",
    "result_path",
    "sharing_defaults",
]
