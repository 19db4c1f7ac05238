"""Why a submission did not go ahead, for the form to show."""


class SubmitRefused(Exception):
    """The submission cannot go ahead; `field` is where the message belongs (or None)."""

    def __init__(self, message: str, field: str | None = None, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
