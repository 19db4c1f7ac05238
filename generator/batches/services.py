"""Batches: one app over many photos or texts, prepared, quoted, held and followed.

Life of an item: CHECKING (its photos are being read by the worker, batch_checking)
→ READY or INVALID → (the owner starts the batch: the whole quote is held in one
serialised transaction) WAITING → SENDING → SENT (batch_pacing: a normal run with the
item's own idempotency key). Items not yet sent can be paused, resumed or cancelled
(cancelling releases their points); failed ones can be retried with new keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from a1 import A1Error, Code
from common.media import StorageUnavailable
from generator.approvals.policy import approval_needed
from generator.approvals.requests import approval_open
from generator.batches.checking import upload_keep, uploads_release
from generator.batches.drafts import batch_add_items
from generator.batches.fairness import RUN_IN_FLIGHT
from generator.batches.inputs import (
    Source,
    plan_items,
    staged_ref,
    stored_name,
)
from generator.batches.pacing import batch_choices, pace_batches
from generator.batches.reasons import reason_problems
from generator.errors import BudgetExceeded, SpendingStopped, SubmitRefused
from generator.models import ApiKey, AppDefinition, Batch, BatchItem, InputImage, Run
from generator.money.budgets import allowances, key_allowance, spend_check
from generator.money.ledger import Billing, ledger_hold
from generator.runs.actions import search_text_for
from generator.runs.definitions import app_fetch
from generator.runs.holds import batches_cancel
from generator.runs.inputs import (
    RunChoices,
    app_descriptions,
    app_slots,
    choices_problems,
    run_params,
)
from generator.runs.messages import user_message
from generator.runs.photo_owners import photos_taking
from generator.runs.photos import photo_copy
from generator.teams.services import billing_team, default_sharing

State = Batch.State
Item = BatchItem.State


# --- preparing a batch ---------------------------------------------------------------


def batch_draft(
    *,
    user,
    definition: AppDefinition,
    choices: RunChoices,
    draft: Batch | None = None,
    **origin,
) -> Batch:
    """A batch being prepared, with the choices that apply to every item. `origin`
    records a script's API key and Idempotency-Key."""
    app = definition.app
    if not app.generatable:
        raise SubmitRefused(user_message(A1Error(Code.APP_API_DISABLED)))
    shared = {
        "style": choices.style,
        "size": choices.size,
        "generate_num": choices.generate_num,
        "descriptions": dict(choices.descriptions),
    }
    team = billing_team(user=user, chosen=choices.team_id)
    visibility = choices.visibility or default_sharing(user=user)[0]
    fields = {
        "definition": definition,
        "app_id": app.id,
        "app_name": app.name[:300],
        "choices": shared,
        "points_per_item": app.cost(choices.generate_num),
        "team": team,
        "visibility": visibility if team is not None else "private",
        "search_text": search_text_for(app_name=app.name, params=run_params(app, choices)),
        "language": translation.get_language() or "en",
    }
    if draft is not None:
        Batch.objects.filter(pk=draft.pk, state=State.DRAFT).update(**fields)
        draft.refresh_from_db()
        return draft
    return Batch.objects.create(user=user, **fields, **origin)


@dataclass
class Prepared:
    batch: Batch
    problems: dict[str, str]  # field -> message; empty when the items were added
    kept: int  # photos kept on the draft while the problems are fixed


def batch_prepare(
    *,
    user,
    definition: AppDefinition,
    choices: RunChoices,
    uploads: dict[str, list],
    archives: list,
    lines: dict[str, list[str]],
    csv_rows: list[dict[str, str]] | None = None,
    draft: Batch | None = None,
    staged: Sequence[InputImage] = (),
) -> Prepared:
    """Make (or add to) a draft from what was uploaded and typed.

    Every upload is stored first, so a batch whose texts do not pair yet keeps its
    photos on the draft: the corrected form adds nothing but the texts. `staged` are
    the person's own photos kept already (shared from their phone, generator/access
    `staged_or_404`): they join the first photo field's pile as if uploaded there, and
    each item gets its own reference to the photo (photo_copy: who owns a photo).
    Nothing is held or spent here; that is `batch_start`.
    """
    batch = batch_draft(user=user, definition=definition, choices=choices, draft=draft)
    app = definition.app
    slots = app_slots(app)
    sources: dict[str, list[Source]] = {
        name: [Source(*pair) for pair in pairs] for name, pairs in (batch.uploads or {}).items()
    }
    kept_before = {src.ref for srcs in sources.values() for src in srcs}  # the draft's
    try:
        for name, files in uploads.items():
            for upload in files:
                sources.setdefault(name, []).extend(
                    upload_keep(batch=batch, name=upload.name, content=upload)
                )
        if staged and slots:
            sources.setdefault(slots[0].name, []).extend(
                Source(name=photo.original_name or f"photo-{n}", ref=staged_ref(photo.pk))
                for n, photo in enumerate(staged, start=1)
            )
        if archives and slots:
            pile = slots[0].name  # one pile: group photos pair by the number in their names
            for archive in archives:
                sources.setdefault(pile, []).extend(
                    upload_keep(batch=batch, name=archive.name, content=archive)
                )
    except (StorageUnavailable, SubmitRefused):
        # Storage went away (or a file was refused) halfway: the raw uploads this post
        # stored go (the draft keeps what it had; staged photos are not uploads); the
        # person is told and posts again.
        new = {src.ref for srcs in sources.values() for src in srcs} - kept_before
        uploads_release({raw for ref in new if (raw := stored_name(ref))})
        raise
    plan = plan_items(
        slots=slots,
        texts=app_descriptions(app),
        photos={k: list(v) for k, v in sources.items()},
        lines=lines,
        csv_rows=csv_rows,
        max_items=settings.BATCH_MAX_ITEMS - batch.items.count(),
    )
    kept = sum(len(v) for v in sources.values())
    if plan.problems:
        Batch.objects.filter(pk=batch.pk).update(
            uploads={k: [[s.name, s.ref] for s in v] for k, v in sources.items()}
        )
        return Prepared(batch, plan.problems, kept)
    for item in plan.items:
        if item.reason:
            continue
        problems = choices_problems(app, batch_choices(batch, item.descriptions), set(item.photos))
        if problems:
            item.reason = reason_problems(problems)
    batch_add_items(batch=batch, plans=plan.items)
    Batch.objects.filter(pk=batch.pk).update(uploads={})
    # Uploads only bad items named (a file paired with nothing) are not read: they go.
    uploads_release(
        {raw for srcs in sources.values() for src in srcs if (raw := stored_name(src.ref))}
    )
    batch.refresh_from_db()
    return Prepared(batch, {}, kept)


@dataclass(frozen=True)
class ItemSpec:
    """One item given as plain data (a script): photos already kept, texts of its own."""

    label: str = ""
    photos: Mapping[str, InputImage] = field(default_factory=dict)  # slot name -> photo
    descriptions: Mapping[str, str] = field(default_factory=dict)


def batch_create(
    *,
    user,
    definition: AppDefinition,
    choices: RunChoices,
    items: list[ItemSpec],
    key=None,
    **origin,
) -> tuple[Batch, bool]:
    """A whole batch from plain data, every item checked before anything is written.

    Returns (batch, created); the same (user, key) is the same batch. Raises
    SubmitRefused with a problem per bad field of each item ("items[3].style"), so a
    script learns everything that is wrong at once.
    """
    if key is not None:
        existing = Batch.objects.filter(user=user, idempotency_key=key).first()
        if existing is not None:
            return existing, False
    app = definition.app
    slots = {slot.name: slot for slot in app_slots(app)}
    problems: dict[str, str] = {}
    if not items:
        problems["items"] = _("Give at least one item.")
    if len(items) > settings.BATCH_MAX_ITEMS:
        problems["items"] = _("A batch holds at most %(max)d items; this one would have %(n)d.") % {
            "max": settings.BATCH_MAX_ITEMS,
            "n": len(items),
        }
    shared = dict(choices.descriptions)
    for n, item in enumerate(items):
        item_choices = replace(choices, descriptions={**shared, **item.descriptions})
        for name, message in choices_problems(app, item_choices, set(item.photos)).items():
            problems[f"items[{n}].{name}"] = message
    if problems:
        raise SubmitRefused(_("Some items are not valid."), next(iter(problems)), problems=problems)
    try:
        with transaction.atomic():
            _photos_still_kept(items)
            batch = batch_draft(
                user=user, definition=definition, choices=choices, idempotency_key=key, **origin
            )
            for n, item in enumerate(items):
                new = BatchItem.objects.create(
                    batch=batch,
                    index=n,
                    label=(item.label or f"item-{n + 1}")[:255],
                    descriptions=dict(item.descriptions),
                    state=Item.READY,
                    points=batch.points_per_item,
                )
                for name, photo in item.photos.items():
                    slot = slots[name]
                    photo_copy(
                        photo=photo,
                        owner_id=user.pk,
                        batch_item=new,
                        form_id=slot.form_id,
                        position=slot.position,
                    )
    except IntegrityError:  # the same key, sent twice at once: the other one won
        return Batch.objects.get(user=user, idempotency_key=key), False
    return batch, True


def _photos_still_kept(items: list[ItemSpec]) -> None:
    """Lock the items' photos for the copy's transaction (photo_owners.photos_taking): a
    staged one the hourly purge removed since it was named is refused, never copied."""
    given = {photo.pk for item in items for photo in item.photos.values()}
    kept = set(photos_taking(ids=given).values_list("pk", flat=True)) if given else set()
    problems = {
        f"items[{n}].{name}": _("This photo is no longer kept: upload it again.")
        for n, item in enumerate(items)
        for name, photo in item.photos.items()
        if photo.pk not in kept
    }
    if problems:
        raise SubmitRefused(_("Some items are not valid."), next(iter(problems)), problems=problems)


def batch_drop(*, batch: Batch, item_ids: list[int]) -> int:
    """Take items out of a draft (bad ones, or any the owner does not want)."""
    items = batch.items.filter(pk__in=item_ids, state__in=[Item.INVALID, Item.READY])
    InputImage.objects.filter(batch_item__in=items, run__isnull=True).update(
        batch_item=None
    )  # the hourly purge removes the photos a day later
    return items.delete()[0]


# --- quote and start -----------------------------------------------------------------


@dataclass
class Quote:
    items: int
    points_per_item: int
    total: int
    fits: int | None  # how many items the budgets leave room for (None: no limit)
    limit_note: str  # which budget limits it, for the page


def batch_quote(*, batch: Batch, api_key: ApiKey | None = None) -> Quote:
    """What starting the ready items would cost, and how many of them fit the budgets
    (the owner's, the batch's team's, and those of the key that would start it)."""
    from_budgets = []  # (remaining points, who)
    for allowance in _allowances(batch, api_key):
        if allowance.remaining is not None:
            from_budgets.append((allowance.remaining, allowance.label))
    ready = batch.items.filter(state=Item.READY).count()
    per = batch.points_per_item
    fits, note = None, ""
    if from_budgets:
        left, who = min(from_budgets)
        fits = min(ready, left // per) if per else ready
        note = _("%(who)s: %(left)d points left this month") % {"who": who, "left": left}
    return Quote(ready, per, ready * per, fits, note)


def _allowances(batch: Batch, api_key: ApiKey | None):
    # The owner's, the batch's team's (not every team they are in) and the starting key's.
    from_user_and_team = allowances(user=batch.user)
    names = {str(_("You"))} | ({batch.team.name} if batch.team else set())
    chosen = [a for a in from_user_and_team if str(a.label) in names]
    key = key_allowance(api_key=api_key) if api_key is not None else None
    return [*chosen, key] if key else chosen


def batch_start(
    *, batch: Batch, api_key: ApiKey | None = None, only_what_fits: bool = False
) -> Batch:
    """Hold the whole quote and hand the items to the pacer.

    One serialised transaction, as for single runs: `spend_check` decides, and either
    every started item's points are held or none. Who starts it pays: the person, the
    batch's team and `api_key` (the key of the script that starts it; None from the
    browser), whoever made the draft. With `only_what_fits`, the items that do not fit
    are cancelled.
    """
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != State.DRAFT:
            return locked  # a second click: already started
        ready = list(locked.items.filter(state=Item.READY).order_by("index"))
        if not ready:
            raise SubmitRefused(_("There is no item ready to start."))
        if batch.items.filter(state=Item.CHECKING).exists():
            raise SubmitRefused(_("Some photos are still being checked. Wait a moment."))
        per = locked.points_per_item
        count = len(ready)
        if only_what_fits:
            quote = batch_quote(batch=locked, api_key=api_key)
            count = quote.items if quote.fits is None else quote.fits
            if count == 0:
                raise SubmitRefused(_("No item fits the budget left this month."))
        try:
            spend_check(
                user=locked.user,
                team=locked.team,
                points=per * count,
                app_id=locked.app_id,
                api_key=api_key,
            )
        except SpendingStopped:
            raise
        except SubmitRefused as exc:
            message = _("This batch costs %(total)d points (%(n)d × %(per)d). %(why)s") % {
                "total": per * len(ready),
                "n": len(ready),
                "per": per,
                "why": exc.message,
            }
            if isinstance(exc, BudgetExceeded):
                raise BudgetExceeded(message, scope=exc.scope, code=exc.code) from exc
            raise SubmitRefused(message, code=exc.code) from exc
        now = timezone.now()
        chosen, rest = ready[:count], ready[count:]
        BatchItem.objects.filter(pk__in=[item.pk for item in chosen]).update(state=Item.WAITING)
        BatchItem.objects.filter(pk__in=[item.pk for item in rest]).update(
            state=Item.CANCELLED, reason="over_budget"
        )
        ledger_hold(
            points=per,
            billing=Billing.of(user=locked.user, team=locked.team, api_key=api_key),
            items=chosen,
            app_id=locked.app_id,
            app_name=locked.app_name,
        )
        # Over a threshold: the points stay held while a manager decides (approvals).
        threshold = approval_needed(team=locked.team, points=per * count)
        if threshold is None:
            Batch.objects.filter(pk=batch.pk).update(
                state=State.RUNNING, started_at=now, api_key=api_key
            )
        else:
            Batch.objects.filter(pk=batch.pk).update(state=State.AWAITING_APPROVAL, api_key=api_key)
            approval_open(batch=locked, items=chosen, points=per * count, threshold=threshold)
    if threshold is None:
        pace_batches.enqueue()
    batch.refresh_from_db()
    return batch


def batch_approved(*, batch: Batch) -> bool:
    """A manager approved the batch: its items go to the pacer, as a start's do. Asks
    `spend_check` again (nothing more is held: the quote was held when it was asked
    for), so a person deactivated or a key revoked meanwhile starts nothing. In the
    caller's transaction; False if it no longer waited."""
    spend_check(
        user=batch.user, team=batch.team, points=0, app_id=batch.app_id, api_key=batch.api_key
    )
    moved = Batch.objects.filter(pk=batch.pk, state=State.AWAITING_APPROVAL).update(
        state=State.RUNNING, started_at=timezone.now()
    )
    if moved:
        transaction.on_commit(pace_batches.enqueue)
    return bool(moved)


def batch_pause(*, batch: Batch) -> None:
    Batch.objects.filter(pk=batch.pk, state=State.RUNNING).update(
        state=State.PAUSED, pause=Batch.Pause.OWNER
    )


def batch_resume(*, batch: Batch) -> Batch:
    """Start sending again, if its person and key may still spend on its app. A batch
    paused because the app changed is checked against the app's current form first."""
    with transaction.atomic():  # the same answer the pacer will get for each item
        spend_check(
            user=batch.user,
            team=batch.team,
            points=0,
            app_id=batch.app_id,
            api_key=batch.api_key,
        )
    if batch.pause == Batch.Pause.APP_UPDATED:
        definition = app_fetch(app_id=batch.app_id, language=batch.definition.language)
        app = definition.app
        choices = batch_choices(batch, {})
        slots = {slot.name for slot in app_slots(app)}
        if choices_problems(app, choices, slots) or not app.generatable:
            raise SubmitRefused(
                _(
                    "The app's form has changed in a way this batch cannot follow. Start a new batch."
                )
            )
        Batch.objects.filter(pk=batch.pk).update(definition=definition)
    Batch.objects.filter(pk=batch.pk, state=State.PAUSED).update(state=State.RUNNING, pause="")
    pace_batches.enqueue()
    batch.refresh_from_db()
    return batch


def batch_cancel(*, batch: Batch) -> int:
    """Cancel every item not yet sent; their held points are released at once."""
    return batches_cancel(batches=Batch.objects.filter(pk=batch.pk), reason="cancelled_by_owner")


def _retry_photos(
    batch: Batch, failed: list[BatchItem]
) -> tuple[list[BatchItem], dict[int, list[InputImage]]]:
    """The failed items that can be tried again, with their photos read and locked for
    the retry's copy (photo_owners.photos_taking): an item whose photos went since
    (retention, an erasure, the trash) is left as it is, never retried without them.
    None left: refused, nothing held."""
    named = {
        item.pk: list((item.run.inputs if item.run else item.photos).values_list("pk", flat=True))
        for item in failed
    }
    every = {pk for pks in named.values() for pk in pks}
    kept = {photo.pk: photo for photo in photos_taking(ids=every)} if every else {}
    needs_photos = any(slot.required for slot in app_slots(batch.definition.app))
    usable = [
        item
        for item in failed
        if all(pk in kept for pk in named[item.pk]) and (named[item.pk] or not needs_photos)
    ]
    if not usable:
        raise SubmitRefused(
            _("The photos of these items are no longer kept: start a new batch with them.")
        )
    return usable, {item.pk: [kept[pk] for pk in named[item.pk]] for item in usable}


def batch_retry_failed(*, batch: Batch, api_key: ApiKey | None = None) -> int:
    """New items (new keys, same photos and texts) for items that failed or were
    refused, held and sent by the same rules as the first time; `api_key`: the script
    that asks (it pays, as for batch_start). Read under the batch's lock, so a double
    submit retries (and pays for) each item once.

    A retry is a new spend: quoted over the threshold that applies now (approvals), it
    waits for a manager exactly as a new batch does, its points held meanwhile, however
    the batch's first request was answered.
    No later request undoes an earlier answer: refused while the batch awaits approval,
    and, when it needs approval, while any item is still to send or in flight (it would
    stop approved items), so a batch only ever waits with its request's own items."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.state == State.AWAITING_APPROVAL:
            raise SubmitRefused(
                _(
                    "This batch awaits a manager's approval. Retry its failed items once "
                    "the request is answered."
                )
            )
        failed = list(
            locked.items.filter(
                Q(state=Item.REFUSED) | Q(run__state=Run.State.FAILED),
                retries__isnull=True,
            ).select_related("run")
        )
        if not failed:
            return 0
        failed, photos = _retry_photos(locked, failed)
        points = locked.points_per_item * len(failed)
        threshold = approval_needed(team=locked.team, points=points)
        open_work = Q(state__in=[Item.WAITING, Item.SENDING, Item.CHECKING]) | Q(
            run__state__in=[*RUN_IN_FLIGHT, Run.State.COPYING]
        )
        if threshold is not None and locked.items.filter(open_work).exists():
            raise SubmitRefused(
                _(
                    "Retrying these items (%(points)d points) needs a manager's approval. "
                    "Retry the failed items once the batch has finished."
                )
                % {"points": points}
            )
        spend_check(
            user=locked.user,
            team=locked.team,
            points=points,
            app_id=locked.app_id,
            api_key=api_key,
        )
        start = locked.items.count()
        new_items = []
        for n, item in enumerate(failed):
            new = BatchItem.objects.create(
                batch=locked,
                index=start + n,
                label=item.label,
                descriptions=item.descriptions,
                state=Item.WAITING,
                points=locked.points_per_item,
                retry_of=item,
            )
            new_items.append(new)
            for photo in photos[item.pk]:
                photo_copy(photo=photo, owner_id=photo.owner_id, batch_item=new)
        ledger_hold(
            points=locked.points_per_item,
            billing=Billing.of(user=locked.user, team=locked.team, api_key=api_key),
            items=new_items,
            app_id=locked.app_id,
            app_name=locked.app_name,
        )
        if threshold is None:
            Batch.objects.filter(pk=batch.pk).update(
                state=State.RUNNING, pause="", finished_at=None, api_key=api_key
            )
        else:
            Batch.objects.filter(pk=batch.pk).update(
                state=State.AWAITING_APPROVAL, pause="", finished_at=None, api_key=api_key
            )
            approval_open(batch=locked, items=new_items, points=points, threshold=threshold)
    if threshold is None:
        pace_batches.enqueue()
    return len(failed)
