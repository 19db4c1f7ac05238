"""A1 Studio's data, one module per concept: runs, teams, money, batches, keys, library,
lifecycle, operations, accounts."""

from accounts.models import SsoLink
from generator.batches.models import Batch, BatchItem
from generator.files.models import FileRemoval
from generator.galleries.models import GalleryStamp
from generator.keys.models import ApiKey, WebhookDelivery
from generator.money.models import BalanceAlert, Budget, LedgerEntry
from generator.runs.models import (
    AppDefinition,
    AppVisit,
    Generation,
    GenerationQuerySet,
    InputImage,
    ResultImage,
    input_path,
    result_path,
)
from generator.teams.models import (
    Invite,
    Membership,
    Preferences,
    Team,
    Visibility,
    sharing_defaults,
)
from library.models import LibraryApp, LibraryEntry, Preset
from lifecycle.models import DataExport, RemovalLog, export_path
from ops.models import Chore, WorkerHeartbeat

__all__ = [
    "ApiKey",
    "AppDefinition",
    "AppVisit",
    "BalanceAlert",
    "Batch",
    "BatchItem",
    "Budget",
    "Chore",
    "DataExport",
    "FileRemoval",
    "GalleryStamp",
    "Generation",
    "GenerationQuerySet",
    "InputImage",
    "Invite",
    "LedgerEntry",
    "LibraryApp",
    "LibraryEntry",
    "Membership",
    "Preferences",
    "Preset",
    "RemovalLog",
    "ResultImage",
    "SsoLink",
    "Team",
    "Visibility",
    "WebhookDelivery",
    "WorkerHeartbeat",
    "export_path",
    "input_path",
    "result_path",
    "sharing_defaults",
]
