"""A1 Studio's data, one module per concept: runs, teams, money, batches, keys, library,
lifecycle, operations, accounts."""

from .accounts import SsoLink
from .batches import Batch, BatchItem
from .galleries import GalleryStamp
from .keys import ApiKey, WebhookDelivery
from .library import LibraryApp, LibraryEntry, Preset
from .lifecycle import DataExport, FileRemoval, RemovalLog, export_path
from .money import BalanceAlert, Budget, LedgerEntry
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
