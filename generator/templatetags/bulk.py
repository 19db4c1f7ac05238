"""The bulk bar's state on a gallery page."""

from django import template

from generator.galleries.forms import DONE_KEY
from generator.teams.services import teams_of

register = template.Library()


@register.simple_tag(takes_context=True)
def bulk_state(context) -> dict:
    """The teams runs can be shared with, where the bar's actions come back to, and what
    the last action did (shown once, like the sign-in page's last error)."""
    request = context["request"]
    return {
        "done": request.session.pop(DONE_KEY, None),
        "teams": list(teams_of(user=request.user)),
        "next": request.get_full_path(),
    }
