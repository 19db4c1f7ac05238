"""The `runs-finished` event that tells a page (and its tab title, favicon and
notifications, static/js/live.js) that runs it shows have ended.

One shape for every sender (the run page's progress fragment, the galleries' live cards):
`HX-Trigger: {"runs-finished": {"runs": [{"id", "name", "state", "url"}, ...]}}`.
"""

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.translation import gettext
from django_htmx.http import trigger_client_event

from generator.models import Run


def finished_run(run: Run) -> dict:
    """What a page needs to say that this run ended, in the reader's language."""
    if run.kind == Run.Kind.ENHANCE:
        name = gettext("Enhancement")
    else:
        name = run.app_name or run.app_id or gettext("Generation")
    return {
        "id": str(run.pk),
        "name": name,
        "state": run.state,
        "url": run.get_absolute_url(),
    }


def runs_finished(response: HttpResponse, runs: Iterable[Run]) -> HttpResponse:
    """Add the event to `response` (nothing when no run ended)."""
    ended = [finished_run(run) for run in runs]
    if ended:
        trigger_client_event(response, "runs-finished", {"runs": ended})
    return response
