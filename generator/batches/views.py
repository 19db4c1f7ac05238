"""Batches: the batch form of an app, a batch's page and its progress, and its actions."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, OuterRef
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from common.htmx import HtmxHttpRequest, LoggedInHttpRequest, redirect_after_post
from common.media import StorageUnavailable
from common.zips import zip_response
from generator.access import owned_or_404, staged_or_404, visible_or_404
from generator.approvals.requests import answer_words
from generator.batches import archive, pacing
from generator.batches import services as batches
from generator.batches import status as batch_status
from generator.batches.forms import batch_form
from generator.batches.reasons import field_labels, reason_words
from generator.errors import SubmitRefused
from generator.models import Approval, Batch, BatchItem
from generator.runs.definitions import (
    a1_language,
    app_name_expression,
    app_names,
    definition_for_reader,
)
from generator.runs.inputs import RunChoices, run_params
from generator.runs.views.apps import app_page, chosen_preset, load_app
from library import presets

ITEMS_SHOWN = 60  # thumbnails on the page; the rest are counted


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@app_page
def batch_new(request: HtmxHttpRequest, app_id: str):
    """The app's form for many items at once; posting it makes (or adds to) a draft.

    ?photo=<id> (several): photos the person shared from their phone, staged already,
    go in as the first photo field's files (generator/access `staged_or_404`: only their
    own, not yet used). Posting makes a draft; only its Start spends."""
    definition, context = load_app(request, app_id)
    form_class = batch_form(definition.app)
    draft = _draft(request)
    preset = chosen_preset(request, app_id)
    kept = 0
    given = request.POST.getlist("staged") if request.method == "POST" else []
    given = given or request.GET.getlist("photo")
    shared = staged_or_404(request.user, given, most=settings.BATCH_MAX_ITEMS) if given else []
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                prepared = batches.batch_prepare(
                    user=request.user,
                    definition=definition,
                    choices=form.run_choices(),
                    uploads=form.uploads(),
                    archives=form.cleaned_data.get("archives") or [],
                    lines=form.lines(),
                    csv_rows=form.csv_rows,
                    draft=draft,
                    staged=shared,
                )
            except SubmitRefused as exc:
                form.add_problems(exc.problems or {"__all__": exc.message})
            except StorageUnavailable as exc:  # said on the form; nothing of it kept
                form.add_problems({"__all__": exc.message})
            else:
                if not prepared.problems:
                    return redirect_after_post(request, prepared.batch.get_absolute_url())
                form.add_problems(prepared.problems)
                draft, kept = prepared.batch, prepared.kept
                shared = []  # kept on the draft now, counted in `kept`
    else:
        form = form_class(user=request.user, initial=_initial(preset))
    if draft is not None:
        kept = kept or sum(len(v) for v in (draft.uploads or {}).values())
    context |= {
        "definition": definition,
        "app": definition.app,
        "form": form,
        "draft": draft,
        "kept": kept,
        "preset": preset,
        "presets": presets.presets_for(user=request.user, app_id=definition.app_id),
        "shared": shared,
    }
    template = "batches/new.html#batch-form" if request.htmx else "batches/new.html"
    return render(request, template, context)


def _initial(preset) -> dict:
    """A preset's choices as the batch form's: its texts become one line for every item."""
    if preset is None:
        return {}
    choices = RunChoices.from_json(preset.choices)
    initial: dict[str, object] = {f"text_{k}": v for k, v in choices.descriptions.items()}
    initial |= {"generate_num": choices.generate_num}
    for name in ("style", "size", "visibility"):
        if getattr(choices, name):
            initial[name] = getattr(choices, name)
    if choices.team_id is not None:
        initial["team"] = choices.team_id
    return initial


def _draft(request) -> Batch | None:
    """The draft this form adds to, if the owner named one."""
    pk = request.POST.get("draft") or request.GET.get("draft")
    if not pk:
        return None
    batch = visible_or_404(request.user, Batch, pk)
    return batch if batch.state == Batch.State.DRAFT and batch.user_id == request.user.id else None


@login_required
@require_GET
def batch_list(request: LoggedInHttpRequest):
    mine = Batch.objects.visible_to(request.user).filter(user=request.user)
    # A1's name in the reader's language, else the app's own.
    mine = mine.annotate(
        shown_name=app_name_expression(
            app_id=OuterRef("app_id"), language=a1_language(), fallback=F("app_name")
        )
    )
    rows = [(batch, batch_status.batch_progress(batch=batch)) for batch in mine[:50]]
    return render(request, "batches/list.html", {"rows": rows})


def _worded(batch: Batch, items) -> list[BatchItem]:
    """The items with their reasons worded in the reader's language, the form's labels
    those of the app in that language where A1 has it (cached: A1 is not asked)."""
    items = list(items)
    labels = None
    if items and batch.definition_id:
        shown = definition_for_reader(definition=batch.definition, language=a1_language())
        labels = field_labels(shown.app)
    for item in items:
        item.reason_shown = reason_words(item.reason, labels)
    return items


def _page_context(request, batch: Batch) -> dict:
    progress = batch_status.batch_progress(batch=batch)
    ended = not (progress.waiting or progress.running or progress.checking)
    closing = batch.state in (Batch.State.RUNNING, Batch.State.CANCELLED) and ended
    # The last item just ended: say "finished" now, not when the sweep comes by.
    if closing and pacing.batch_settle(batch_id=batch.pk):
        batch.refresh_from_db()
    items = batch.items.order_by("index")
    names = app_names(app_ids=[batch.app_id], language=a1_language())
    context = {
        "batch": batch,
        "app_name": names.get(batch.app_id, (batch.app_name or batch.app_id, ""))[0],
        "progress": progress,
        "is_owner": batch.user_id == request.user.id,
        "bad_items": _worded(
            batch, items.filter(state__in=[BatchItem.State.INVALID, BatchItem.State.REFUSED])
        ),
        "landed": list(
            batch.runs.shown()
            .filter(state="completed")
            # While it runs, the newest first; once it ended, in the order given.
            .order_by("batch_item__index" if ended else "-finished_at")
            .select_related("batch_item")
            .prefetch_related("results")[:ITEMS_SHOWN]
        ),
        # Why a cancelled batch stopped: its owner, a key revoked, a person deactivated
        # (still said once it is settled, which the first look at its page may do).
        "stopped": reason_words(
            items.filter(state=BatchItem.State.CANCELLED)
            .exclude(reason="")
            .values_list("reason", flat=True)
            .first()
            or ""
        )
        if batch.state in (Batch.State.CANCELLED, Batch.State.DONE)
        else "",
        # The request for approval, when its quote was over a threshold: the page says
        # how it stands (and keeps looking while it waits, to turn "running" by itself).
        "approval": (approval := Approval.objects.filter(batch=batch).first()),
        "approval_words": answer_words(approval) if approval is not None else "",
        "active": batch.state
        in (Batch.State.RUNNING, Batch.State.PAUSED, Batch.State.AWAITING_APPROVAL)
        or progress.checking
        or (batch.state == Batch.State.CANCELLED and progress.running),
    }
    if batch.state != Batch.State.DRAFT:
        # Each item and where it stands, the whole time the batch runs and after.
        listed = list(
            items.exclude(
                state__in=[BatchItem.State.INVALID, BatchItem.State.REFUSED]
            ).select_related("run")[:ITEMS_SHOWN]
        )
        # What moderation hides (trash, staff) is neither linked nor described: the item
        # then says only where it stands in the batch (generator/access.py's rule, shown()).
        shown = set(batch.runs.shown().values_list("pk", flat=True))
        for item in listed:
            if item.run_id not in shown:
                item.run = None
        context["items"] = listed
    if batch.state == Batch.State.DRAFT:
        context |= {
            "quote": batches.batch_quote(batch=batch),
            # What the quote pays for, restated: the same labels the run pages show.
            # In the reader's language where A1 has it (the cache only).
            "paid_for": run_params(
                definition_for_reader(definition=batch.definition, language=a1_language()).app,
                pacing.batch_choices(batch, {}),
            ),
            "texts_per_item": items.filter(state=BatchItem.State.READY)
            .exclude(descriptions={})
            .exists(),
            "ready_items": list(
                items.filter(state=BatchItem.State.READY).prefetch_related("photos")[:ITEMS_SHOWN]
            ),
        }
    return context


@login_required
@require_GET
def batch_detail(request: HtmxHttpRequest, batch_id):
    batch = visible_or_404(request.user, Batch, batch_id)
    return render(request, "batches/detail.html", _page_context(request, batch))


@login_required
@require_GET
def batch_progress(request: HtmxHttpRequest, batch_id):
    """The progress block alone, read from our database only; it stops polling itself."""
    batch = visible_or_404(request.user, Batch, batch_id)
    return render(request, "batches/detail.html#progress", _page_context(request, batch))


@login_required
@require_POST
def batch_start(request: HtmxHttpRequest, batch_id):
    batch = owned_or_404(request.user, Batch, batch_id)
    try:
        batches.batch_start(batch=batch, only_what_fits=request.POST.get("fit") == "1")
    except SubmitRefused as exc:
        messages.error(request, exc.message)
    return redirect_after_post(request, batch.get_absolute_url())


@login_required
@require_POST
def batch_drop(request: HtmxHttpRequest, batch_id):
    batch = owned_or_404(request.user, Batch, batch_id)
    ids = [int(pk) for pk in request.POST.getlist("item") if pk.isdigit()]
    if request.POST.get("all_bad") == "1":
        ids += list(batch.items.filter(state=BatchItem.State.INVALID).values_list("pk", flat=True))
    dropped = batches.batch_drop(batch=batch, item_ids=ids)
    messages.success(
        request, ngettext("%(n)d item dropped.", "%(n)d items dropped.", dropped) % {"n": dropped}
    )
    return redirect_after_post(request, batch.get_absolute_url())


def _pause(request, batch: Batch) -> None:
    batches.batch_pause(batch=batch)


def _resume(request, batch: Batch) -> None:
    batches.batch_resume(batch=batch)


def _cancel(request, batch: Batch) -> None:
    n = batches.batch_cancel(batch=batch)
    messages.success(
        request,
        ngettext(
            "%(n)d item cancelled; its points are released.",
            "%(n)d items cancelled; their points are released.",
            n,
        )
        % {"n": n},
    )


def _retry(request, batch: Batch) -> None:
    n = batches.batch_retry_failed(batch=batch)
    batch.refresh_from_db(fields=["state"])
    if batch.state == Batch.State.AWAITING_APPROVAL:
        messages.info(
            request,
            ngettext(
                "%(n)d item will be tried again once a manager approves it.",
                "%(n)d items will be tried again once a manager approves them.",
                n,
            )
            % {"n": n},
        )
        return
    messages.success(
        request,
        ngettext("%(n)d item will be tried again.", "%(n)d items will be tried again.", n)
        % {"n": n},
    )


ACTIONS = {"pause": _pause, "resume": _resume, "cancel": _cancel, "retry": _retry}


@login_required
@require_POST
def batch_action(request: HtmxHttpRequest, batch_id, action: str):
    """Pause, resume, cancel the items not yet sent, or retry the failed ones."""
    batch = owned_or_404(request.user, Batch, batch_id)
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](request, batch)
    except SubmitRefused as exc:
        messages.error(request, exc.message)
    return redirect_after_post(request, batch.get_absolute_url())


@login_required
@require_GET
def batch_zip(request: HtmxHttpRequest, batch_id):
    batch = visible_or_404(request.user, Batch, batch_id)
    name, spool = archive.batch_zip(batch=batch)
    return zip_response(spool, filename=name)
