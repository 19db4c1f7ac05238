"""Why a batch item was cancelled or cannot be used, stored as a code and worded when
shown, in the reader's language (a Japanese page never shows a reason stored in English
because the worker ran in English).

Rows from before the codes hold the words themselves; those are shown as they are
(generator/migrations turns the English ones into codes). Reasons with details in them
(which photo, which fields) and A1's own refusals stay words.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

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


def reason_words(stored: str) -> str:
    """A stored reason in the active language: a code's words, or older words as kept."""
    words = REASONS.get(stored)
    return str(words) if words is not None else stored
