"""Why a submission did not go ahead, for the form (or the API) to show."""

from __future__ import annotations


class SubmitRefused(Exception):
    """The submission cannot go ahead; nothing was spent.

    `field` is where the message belongs (None: the whole form); `problems` maps
    several fields to their messages when more than one is wrong.
    """

    def __init__(
        self,
        message: str,
        field: str | None = None,
        code: int | None = None,
        problems: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.problems = problems or ({field: message} if field else {})


class SubmissionLapsed(SubmitRefused):
    """The run outlived its lease before its call went out: the sweep released it (its
    row and hold gone; a batch item waits again, held again). Nothing was sent."""


class BudgetExceeded(SubmitRefused):
    """A monthly budget (the user's, a team's or an API key's) cannot pay for the run.

    `scope` says whose: "user", "team" or "key".
    """

    def __init__(self, message: str, *, scope: str, code: int | None = None):
        super().__init__(message, code=code)
        self.scope = scope


class SpendingStopped(SubmitRefused):
    """The actor may no longer start paid work: the person was deactivated, the key was
    revoked, or the app is no longer allowed. `reason` says which: "inactive",
    "key_revoked" or "app_not_allowed"."""

    def __init__(self, message: str, *, reason: str, code: int | None = None):
        super().__init__(message, code=code)
        self.reason = reason


class ApprovalRequired(SubmitRefused):
    """The quote is over the approval threshold that applies (`threshold`, points): the
    run cannot start at once. A page or the API asks for approval instead (a batch of
    one, generator/approvals/asking.py); the gateway, which cannot wait, refuses."""

    def __init__(self, message: str, *, points: int, threshold: int, code: int | None = None):
        super().__init__(message, code=code)
        self.points = points
        self.threshold = threshold
