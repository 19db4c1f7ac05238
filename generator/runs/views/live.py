"""The `runs-finished` event that tells a page (and its tab title, favicon and
notifications, static/js/live.js) that runs it shows have ended.

One shape for every sender (the run page's progress fragment, the galleries' live cards):
`HX-Trigger: {"runs-finished": {"runs": [{"id", "name", "state", "url"}, ...]}}`.
"""

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.translation import gettext
from django_htmx.http import trigger_client_event

from generator.models import Generation


def finished_run(generation: Generation) -> dict:
    """What a page needs to say that this run ended, in the reader's language."""
    if generation.kind == Generation.Kind.ENHANCE:
        name = gettext("Enhancement")
    else:
        name = generation.app_name or generation.app_id or gettext("Generation")
    return {
        "id": str(generation.pk),
        "name": name,
        "state": generation.state,
        "url": generation.get_absolute_url(),
    }


def runs_finished(response: HttpResponse, generations: Iterable[Generation]) -> HttpResponse:
    """Add the event to `response` (nothing when no run ended)."""
    runs = [finished_run(generation) for generation in generations]
    if runs:
        trigger_client_event(response, "runs-finished", {"runs": runs})
    return response
