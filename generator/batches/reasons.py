"""Why a batch item was cancelled or cannot be used, stored as a code and worded when
shown, in the reader's language (a Japanese page never shows a reason stored in English
because the worker ran in English).

Rows from before the codes hold the words themselves; those are shown as they are
(generator/migrations turns the English ones into codes). Reasons with details in them
(which photo, which fields) and A1's own refusals stay words.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.images import ImageRejected

WORDED = "msg:"  # a message and its values, worded when shown (a photo's check)

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


def reason_words(stored: str) -> str:
    """A stored reason in the active language: a code's words, a kept message worded
    now, or older words as they were stored."""
    words = REASONS.get(stored)
    if words is not None:
        return str(words)
    if stored.startswith(WORDED):
        try:
            kept = json.loads(stored.removeprefix(WORDED))
            text = gettext(kept["m"])
            text = text % kept["p"] if kept.get("p") else text
        except (ValueError, KeyError, TypeError):
            return stored
        return f"{kept['f']}: {text}" if kept.get("f") else text
    return stored
