"""What the REST API takes and answers, as typed schemas (the OpenAPI comes from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from ninja import Schema
from pydantic import Field

from generator.runs.inputs import RunChoices

# Text a query filters by: the databases keep no NUL character (PostgreSQL refuses one in
# a query), so a filter with one is refused as invalid (422), as its schema says.
NO_NUL = r"^[^\x00]*$"


class ErrorOut(Schema):
    code: str = Field(description="A stable word to branch on, e.g. not_found, budget_exceeded")
    message: str = Field(description="What went wrong, in English")
    message_cn: str = Field(description="The same, in Chinese")
    fields: dict[str, str] | None = Field(None, description="Field name -> what is wrong with it")


def errors(*statuses: int) -> dict:
    """Response declarations for the errors an endpoint can answer."""
    return dict.fromkeys(statuses, ErrorOut)


# --- apps -----------------------------------------------------------------------------


class PhotoSlotOut(Schema):
    name: str = Field(description="The key to use in a run's `photos`")
    form_id: str
    position: int | None = Field(None, description="The person in a group photo, from 0")
    label: str
    required: bool


class TextFieldOut(Schema):
    id: str = Field(description="The key to use in a run's `texts`")
    label: str
    required: bool
    default: str = ""
    placeholder: str = ""


class StyleOut(Schema):
    id: str
    name: str
    image: str = ""


class SizeOut(Schema):
    id: str
    label: str


class AppOut(Schema):
    id: str
    version_id: str
    language: str
    name: str
    description: str
    cover: str
    is_node: bool
    generatable: bool = Field(description="False when a required form cannot be filled by API")
    max_images: int
    points_per_run: dict[str, int] = Field(description="Images per run -> points it costs")
    photos: list[PhotoSlotOut]
    texts: list[TextFieldOut]
    styles: list[StyleOut]
    sizes: list[SizeOut]


# --- uploads --------------------------------------------------------------------------


class UploadUrlIn(Schema):
    image_url: str = Field(description="An http(s) link to the image, fetched by the portal")


class UploadOut(Schema):
    id: str = Field(description="Give it in a run's `photos`, or to /runs/enhance")
    width: int
    height: int
    original_name: str
    notes: list[str] = Field(description="What was converted to suit A1")
    unused_until: datetime = Field(description="Removed if no run uses it by then")


# --- runs -----------------------------------------------------------------------------


class RunIn(Schema):
    app_id: str
    language: str = Field("", description="One of A1's codes (en_US, zh_CN, ...); default en_US")
    photos: dict[str, str] = Field(
        default_factory=dict, description="Photo slot name (from the app) -> upload id"
    )
    texts: dict[str, str] = Field(
        default_factory=dict, description="Text field id (from the app) -> text"
    )
    style: str = ""
    size: str = ""
    generate_num: int = 1
    team_id: int | None = Field(None, description="The team that pays and may see it")
    visibility: Literal["", "private", "team"] = Field("", description="'' = your default")


def run_choices_of(body: RunIn | BatchIn) -> RunChoices:
    """A script's choices (a run's or a batch's shared ones) as the services take them."""
    return RunChoices(
        descriptions=body.texts,
        style=body.style,
        size=body.size,
        generate_num=body.generate_num,
        team_id=body.team_id,
        visibility=body.visibility,
    )


class EnhanceIn(Schema):
    upload_id: str | None = Field(None, description="A photo you uploaded")
    result_id: str | None = Field(None, description="A result of a run you can see")


class RunErrorOut(Schema):
    code: int | None
    message: str
    message_cn: str


class ResultOut(Schema):
    id: str
    index: int
    saved: bool = Field(description="Our copy exists (the link works)")
    expired: bool = Field(description="A1's link expired before we could copy it")
    url: str | None = Field(description="Download our copy (same authentication)")
    thumbnail_url: str | None
    width: int | None
    height: int | None
    format: str | None


class RunOut(Schema):
    id: str
    kind: str
    state: str = Field(
        description="submitting, running, copying, completed, failed, stalled or unknown"
    )
    finished: bool
    app_id: str
    app_name: str
    version_id: str
    language: str
    generate_num: int
    params: dict
    points_quoted: int
    points_spent: int | None
    owner: str
    team_id: int | None
    visibility: str
    created: datetime
    submitted_at: datetime | None
    finished_at: datetime | None
    error: RunErrorOut | None
    page_url: str = Field(description="The run's page in the portal")
    results: list[ResultOut]


class RunPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[RunOut]


# --- account --------------------------------------------------------------------------


class AllowanceOut(Schema):
    label: str
    budget: int | None
    used: int
    remaining: int | None


class KeyOut(Schema):
    name: str
    prefix: str
    created: datetime
    last_used_at: datetime | None
    monthly_points: int | None
    points_this_month: int
    webhook_url: str


class MeOut(Schema):
    username: str
    key: KeyOut | None = Field(description="The key this call was made with (none: a session)")
    allowances: list[AllowanceOut]


class ExportOut(Schema):
    id: str
    state: str = Field(description="queued, building, ready or failed")
    runs: int = Field(description="Runs in the archive (once ready)")
    byte_size: int
    created: datetime
    ready_at: datetime | None
    expires_at: datetime | None = Field(description="The download link works until then")
    download_url: str | None = Field(description="Where to GET the ZIP, while it is ready")


# --- batches and presets ----------------------------------------------------------------


class BatchItemIn(Schema):
    label: str = Field("", description="A name for the item (its results are named after it)")
    photos: dict[str, str] = Field(
        default_factory=dict, description="Photo slot name -> upload id, for this item"
    )
    texts: dict[str, str] = Field(
        default_factory=dict, description="Text field id -> text, for this item"
    )


class BatchIn(Schema):
    app_id: str
    language: str = Field("", description="One of A1's codes (en_US, zh_CN, ...); default en_US")
    preset_id: str | None = Field(None, description="Start from a saved preset's choices")
    texts: dict[str, str] = Field(
        default_factory=dict, description="Text field id -> text for every item"
    )
    style: str = ""
    size: str = ""
    generate_num: int = 1
    team_id: int | None = Field(None, description="The team that pays and may see the runs")
    visibility: Literal["", "private", "team"] = Field("", description="'' = your default")
    items: list[BatchItemIn] = Field(
        description="One entry per run", min_length=1, max_length=settings.BATCH_MAX_ITEMS
    )
    start: bool = Field(True, description="Hold the quote and start now (false: a draft)")
    only_what_fits: bool = Field(
        False, description="Start the items the budgets leave room for; cancel the rest"
    )


class BatchItemOut(Schema):
    index: int
    label: str
    state: str
    reason: str | None
    run_id: str | None
    run_state: str | None


class BatchCountsOut(Schema):
    items: int
    started: int
    done: int
    running: int
    waiting: int
    failed: int
    cancelled: int
    invalid: int


class ApprovalOut(Schema):
    state: Literal["pending", "approved", "refused", "expired", "cancelled", "superseded"] = Field(
        description="pending while a manager decides (the batch is awaiting_approval and its "
        "points are held); refused with a reason, or expired unanswered (points released); "
        "cancelled with its batch; superseded: answered after the batch stopped waiting for "
        "it (a newer request stood, or the batch had moved on), so it changed nothing"
    )
    points: int = Field(description="The quote held while it waits")
    threshold: int = Field(description="The threshold (points) it was over")
    reason: str | None = Field(description="Why it was refused")
    requested_at: datetime
    expires_at: datetime
    decided_at: datetime | None


class BatchOut(Schema):
    id: str
    state: str = Field(
        description="draft, awaiting_approval (its quote is over a threshold and held until a "
        "manager answers), running, paused, cancelled, done, refused (by a manager: see "
        "approval.reason) or expired (nobody answered in APPROVAL_HOURS)"
    )
    paused_because: str | None
    app_id: str
    app_name: str
    points_per_item: int
    team_id: int | None
    visibility: str
    created: datetime
    started_at: datetime | None
    finished_at: datetime | None
    counts: BatchCountsOut
    points_spent: int
    points_held: int
    approval: ApprovalOut | None = Field(
        description="The request for approval, when its quote was over a threshold"
    )
    page_url: str
    zip_url: str
    items: list[BatchItemOut]


class PresetRunIn(Schema):
    photos: dict[str, str] = Field(default_factory=dict, description="Photo slot name -> upload id")
    language: str = Field("", description="One of A1's codes; default en_US")


class PresetOut(Schema):
    id: str
    name: str
    app_id: str
    team_id: int | None
    needs_look: bool
    choices: dict
