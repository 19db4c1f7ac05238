"""What a card (and the viewer beside a result) says of how a run was made, read from
the row the gallery query already loaded: no query per card."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django import template
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from generator.galleries.pages import card_mark
from generator.models import Run
from generator.templatetags.times import when

register = template.Library()

PROMPT_CHARS = 140


@dataclass(frozen=True)
class How:
    prompt: str
    style: str
    size: str
    cost: int | None
    spent: bool


@register.filter
def how(run) -> How:
    """The first line of the run's first text, its style and size, and its cost (what
    was spent once it ended, what was quoted until then)."""
    params = run.params or {}
    prompt = ""
    for item in params.get("description") or []:
        text = str(item.get("value") or "").strip()
        if text:
            prompt = text.splitlines()[0].strip()
            break
    if len(prompt) > PROMPT_CHARS:
        prompt = prompt[: PROMPT_CHARS - 1].rstrip() + "…"
    style = params.get("style") or {}
    size = params.get("size") or {}
    spent = run.points_spent is not None
    return How(
        prompt=prompt,
        style=str(style.get("name") or style.get("id") or ""),
        size=str(size.get("label") or ""),
        cost=run.points_spent if spent else (run.points_quoted or None),
        spent=spent,
    )


@register.filter
def slots(run) -> list[bool]:
    """One place per requested image, True for each already copied (a gallery card)."""
    wanted = max(1, run.generate_num or 1)
    copied = min(wanted, getattr(run, "card_copied", None) or 0)
    return [True] * copied + [False] * (wanted - copied)


@register.filter
def result_slots(run, results) -> list:
    """The run page while a run is under way: one place per requested image, each the
    saved result (in A1's order) or None while it is still to come."""
    saved = [result for result in results if result.copied]
    wanted = max(run.generate_num or 1, len(saved))
    return saved + [None] * (wanted - len(saved))


@register.filter
def card_version(run) -> str:
    """Everything the kept part of a run's gallery card shows (`{% cache %}` in
    templates/includes/run_grid.html), in one key: a card is kept by its own version, so
    when one run changes (its state, an image saved, points spent) that card alone is
    drawn again and the page's other cards come from the cache. The reader's language is
    part of it (the card's words); times and the favourite form stay outside the kept part.
    """
    fields = (
        run.pk,
        run.state,
        run.kind,
        run.app_id,
        run.app_name,
        getattr(run, "card_name", None),
        run.language,
        run.generate_num,
        run.points_quoted,
        run.points_spent,
        run.params,
        run.source_result_id,
        run.source_input_id,
        run.user.get_username(),
        *(getattr(run, name, None) for name in CARD_ANNOTATIONS),
        translation.get_language(),
    )
    return hashlib.sha256(repr(fields).encode()).hexdigest()


def card_kept_whole(run, *, kept: str, favourite: str | None) -> SafeString:
    """A run's gallery card from its kept parts, word for word what the `card` partial of
    templates/includes/run_grid.html draws around them (tests/galleries/test_built_pages.py
    compares the two): the kept card (`kept`), its state and how long ago it started, and
    its kept favourite button (`favourite`, the viewer's own runs only). A page built
    after a change writes its unchanged cards this way, without the template's work per
    card; keep the two in step."""
    state = conditional_escape(run.state)
    # What `get_state_display` says, without its dict of every choice built per call.
    display = _STATE_WORDS.get(run.state, run.state)
    return mark_safe(  # noqa: S308 - every part is escaped here or was drawn by the template
        f'<li class="gen-card" id="card-{run.id}" data-run="{run.id}" data-state="{state}">\n'
        f"      {kept}\n"
        f'      <span class="small muted"><span class="state state-{state}">'
        f"{conditional_escape(display)}</span> · {when(run.created)}</span>\n"
        f"      {favourite or ''}\n"
        "    </li>"
    )


# Each state's words, translated when written (`run.get_state_display()`'s own labels).
_STATE_WORDS = {value: label for value, label in Run._meta.get_field("state").flatchoices}

# What the gallery query annotates each run with (generator/galleries/queries.for_grid).
CARD_ANNOTATIONS = (
    "card_result",
    "card_width",
    "card_height",
    "card_input",
    "card_input_name",
    "card_copied",
)


register.filter("card_mark", card_mark)
