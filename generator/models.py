"""The core's data, one module per domain (runs, batches, money, teams, keys, galleries,
files), gathered here because Django reads an app's models from `generator.models`.

The app library, the data lifecycle and accounts keep theirs in their own apps
(library.models, lifecycle.models, accounts.models); the workers' heartbeats are here,
with the runs whose leases trust them."""

from generator.approvals.models import Approval, ApprovalPolicy
from generator.audit.models import AuditEntry
from generator.batches.models import Batch, BatchItem
from generator.files.models import FileRemoval
from generator.galleries.models import GalleryStamp
from generator.keys.models import ApiKey, WebhookDelivery
from generator.money.models import (
    AccountBalance,
    BalanceAlert,
    Budget,
    LedgerEntry,
    LedgerMonth,
    SpendAlert,
)
from generator.runs.models import (
    AppDefinition,
    AppVisit,
    InputImage,
    ResultImage,
    Run,
    RunQuerySet,
    WorkerHeartbeat,
    input_path,
    result_path,
)
from generator.schedules.models import Chore
from generator.teams.models import (
    Invite,
    Membership,
    Preferences,
    Team,
    Visibility,
    sharing_defaults,
)

__all__ = [
    "AccountBalance",
    "ApiKey",
    "AppDefinition",
    "AppVisit",
    "Approval",
    "ApprovalPolicy",
    "AuditEntry",
    "BalanceAlert",
    "Batch",
    "BatchItem",
    "Budget",
    "Chore",
    "FileRemoval",
    "GalleryStamp",
    "InputImage",
    "Invite",
    "LedgerEntry",
    "LedgerMonth",
    "Membership",
    "Preferences",
    "ResultImage",
    "Run",
    "RunQuerySet",
    "SpendAlert",
    "Team",
    "Visibility",
    "WebhookDelivery",
    "WorkerHeartbeat",
    "input_path",
    "result_path",
    "sharing_defaults",
]
