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


class BudgetExceeded(SubmitRefused):
    """A monthly budget (the user's, a team's or an API key's) cannot pay for the run.

    `scope` says whose: "user", "team" or "key".
    """

    def __init__(self, message: str, *, scope: str, code: int | None = None):
        super().__init__(message, code=code)
        self.scope = scope
