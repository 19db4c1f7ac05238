"""Why a batch item was cancelled or cannot be used, stored as a code and worded when
shown, in the reader's language (a Japanese page never shows a reason stored in English
because the worker ran in English).

Reasons with details keep their message's msgid and values (`reason_said`); values
that name form fields keep the fields' names, and the labels are those of the app in the
reader's language when shown (`field_labels`). A1's own refusals keep A1's code
(`reason_refused`). Rows from before the codes hold the words themselves; those are
shown as they are (generator/migrations turns the English ones into codes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from a1 import A1Error
from common.images import ImageRejected
from generator.runs.inputs import Said, app_descriptions, app_slots
from generator.runs.messages import user_message

WORDED = "msg:"  # a message and its values, worded when shown (a photo's check)
REFUSED = "a1:"  # A1's code for a refusal, worded when shown
MAX_REASON = 500

REASONS = {
    "cancelled_by_owner": _("Cancelled by its owner."),
    "key_revoked": _("Cancelled: the API key that started it was revoked."),
    "account_deactivated": _("Cancelled: the account that started it was deactivated."),
    "over_budget": _("Did not fit the budget."),
    "no_csv_row": _("No row of the CSV names this photo."),
}

# The English each code was stored as before codes (the data migration's map).
ENGLISH = {
    "cancelled_by_owner": "Cancelled by its owner.",
    "key_revoked": "Cancelled: the API key that started it was revoked.",
    "account_deactivated": "Cancelled: the account that started it was deactivated.",
    "over_budget": "Did not fit the budget.",
    "no_csv_row": "No row of the CSV names this photo.",
}


def reason_of(exc: ImageRejected, *, file: str = "") -> str:
    """What to store for a photo the check refused: its message and values (and the
    file, for an item of several photos), worded again whenever it is shown."""
    kept = json.dumps({"m": exc.msgid, "p": exc.params, "f": file}, ensure_ascii=False)
    return WORDED + kept if len(WORDED + kept) <= 500 else (f"{file}: {exc}" if file else str(exc))


def reason_said(
    msgid: str, params: Mapping | None = None, *, fields: Mapping[str, list[str]] | None = None
) -> str:
    """What to store for a reason worded from `msgid` (marked with gettext_noop) and its
    `params`; `fields` names, for a param, the form fields whose labels it lists (slot
    names, desc_<id>), so they are worded in the reader's language when shown. The
    words themselves when the code would not fit the column."""
    kept = {"m": msgid, "p": dict(params or {})}
    if fields:
        kept["l"] = {name: list(ids) for name, ids in fields.items()}
    return _stored(kept, fallback=_say(kept, None))


def reason_problems(problems: Mapping[str, str]) -> str:
    """What to store for the form problems an item has (field name -> what is wrong,
    from choices_problems): each worded when shown, after the field's label."""
    if not all(isinstance(said, Said) for said in problems.values()):
        return " ".join(dict.fromkeys(problems.values()))
    kept = [
        {"m": said.msgid, "p": said.params, "l": {"": [field]}}
        for field, said in problems.items()
        if isinstance(said, Said)
    ]
    return _stored({"all": kept}, fallback=" ".join(dict.fromkeys(problems.values())))


def reason_refused(*, message: str, code: int | None) -> str:
    """What to store for a refusal: A1's code when the message is A1's own refusal
    worded as the portal words that code, else the message as it is."""
    if code is not None and str(message) == user_message(A1Error(code)):
        return f"{REFUSED}{code}"
    return str(message)[:MAX_REASON]


def _stored(kept: dict, *, fallback: str) -> str:
    text = WORDED + json.dumps(kept, ensure_ascii=False)
    return text if len(text) <= MAX_REASON else fallback[:MAX_REASON]


def _say(kept: dict, labels: Mapping[str, str] | None) -> str:
    """One kept message in the active language, its fields named by `labels`."""
    params = dict(kept.get("p") or {})
    named = kept.get("l") or {}
    for name, ids in named.items():
        if name and labels is not None and all(i in labels for i in ids):
            params[name] = ", ".join(labels[i] for i in ids)
    text = gettext(kept["m"])
    text = text % params if params else text
    own = named.get("")  # a problem of one field: said after its label
    if own and labels is not None and own[0] in labels:
        text = f"{labels[own[0]]}: {text}"
    return f"{kept['f']}: {text}" if kept.get("f") else text


def field_labels(app) -> dict[str, str]:
    """The labels of an app's form fields by the names reasons keep: photo slots and
    texts (desc_<id>), in the language of the definition `app` was read in."""
    labels = {slot.name: str(slot.label) for slot in app_slots(app)}
    labels |= {text.name: str(text.label) for text in app_descriptions(app)}
    return labels


def reason_words(stored: str, labels: Mapping[str, str] | None = None) -> str:
    """A stored reason in the active language: a code's words, a kept message worded
    now (its fields named by `labels`, the app's in the reader's language), A1's
    refusal worded from its code, or older words as they were stored."""
    words = REASONS.get(stored)
    if words is not None:
        return str(words)
    if stored.startswith(REFUSED) and stored.removeprefix(REFUSED).lstrip("-").isdigit():
        return user_message(A1Error(int(stored.removeprefix(REFUSED))))
    if stored.startswith(WORDED):
        try:
            kept = json.loads(stored.removeprefix(WORDED))
            if "all" in kept:
                return " ".join(dict.fromkeys(_say(one, labels) for one in kept["all"]))
            return _say(kept, labels)
        except (ValueError, KeyError, TypeError):
            return stored
    return stored
