"""What a run is made of, as plain data: an app's photo slots and description fields,
and the choices a person made.

The app form, the batch builder, the REST API and the gateway all produce these, and
the services take them, so none of those has to build another's objects. Nothing here
touches the database or the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from a1 import App
from a1.types import SIZES

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

MAX_DESCRIPTION = 1000


class Said(str):
    """A message worded now that remembers its msgid and values, so what is stored
    (a batch item's reason) can be worded again in a reader's language."""

    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params: Any) -> Said:
        text = _(msgid)
        said = super().__new__(cls, text % params if params else text)
        said.msgid, said.params = msgid, params
        return said


@dataclass(frozen=True)
class ImageSlot:
    """One photo the app needs: a cnet form, or one position of a group photo."""

    form_id: str
    position: int | None
    label: str | StrPromise  # the enhance page's slot is named lazily
    required: bool

    @property
    def name(self) -> str:
        return self.field_name(self.form_id, self.position)

    @staticmethod
    def field_name(form_id: str, position: int | None) -> str:
        suffix = "" if position is None else f"_p{position}"
        return f"cnet_{form_id}{suffix}"


@dataclass(frozen=True)
class DescriptionField:
    """One text the app takes: an input of a description form, or the form itself."""

    id: str
    label: str
    required: bool
    default: str = ""
    placeholder: str = ""
    multiline: bool = False

    @property
    def name(self) -> str:
        return f"desc_{self.id}"


def app_slots(app: App) -> list[ImageSlot]:
    """The app's photo slots in A1's order; group photos get one slot per person."""
    slots = []
    for form in app.forms_of("cnet"):
        positions = range(form.positions) if form.positions else [None]
        for position in positions:
            label = form.name or _("Photo")
            if position is not None:
                label = _("%(label)s: person %(n)d") % {"label": label, "n": position + 1}
            slots.append(ImageSlot(form.id, position, label, form.required))
    return slots


def app_descriptions(app: App) -> list[DescriptionField]:
    fields = []
    for form in app.forms_of("description"):
        if not form.inputs:
            label = form.name or _("Description")
            fields.append(DescriptionField(form.id, label, form.required, multiline=True))
        for item in form.inputs:
            label = item.name or form.name or _("Description")
            fields.append(
                DescriptionField(item.id, label, item.required, item.default, item.placeholder)
            )
    return fields


@dataclass(frozen=True)
class RunChoices:
    """Everything a person chooses for a run except the photos."""

    descriptions: Mapping[str, str] = field(default_factory=dict)  # field id -> text
    style: str = ""
    size: str = ""
    generate_num: int = 1
    team_id: int | None = None
    visibility: str = ""  # "" means the person's default

    def filled_descriptions(self) -> dict[str, str]:
        return {k: v.strip() for k, v in self.descriptions.items() if v and v.strip()}

    # One constructor per shape the choices arrive in; nothing else builds them.

    @classmethod
    def from_form(cls, data: Mapping) -> RunChoices:
        """A valid app form's (or batch form's) cleaned data: texts as `desc_<id>`, the
        team as a Team."""
        team = data.get("team")
        return cls(
            descriptions={
                name.removeprefix("desc_"): value
                for name, value in data.items()
                if name.startswith("desc_") and value
            },
            style=data.get("style", "") or "",
            size=data.get("size", "") or "",
            generate_num=data["generate_num"],
            team_id=team.pk if team else None,
            visibility=data.get("visibility") or "",
        )

    @classmethod
    def from_json(cls, data: Mapping | None, **overrides) -> RunChoices:
        """Choices saved as JSON (a preset, a batch's shared choices), read tolerantly."""
        data = data or {}
        team_id = data.get("team_id")
        try:
            count = int(data.get("generate_num") or 1)
        except (TypeError, ValueError):
            count = 1
        values: dict[str, Any] = {
            "descriptions": {str(k): str(v) for k, v in (data.get("descriptions") or {}).items()},
            "style": str(data.get("style") or ""),
            "size": str(data.get("size") or ""),
            "generate_num": count,
            "team_id": int(team_id) if team_id not in (None, "") else None,
            "visibility": str(data.get("visibility") or ""),
        }
        return cls(**(values | overrides))

    @classmethod
    def from_params(cls, params: Mapping, **overrides) -> RunChoices:
        """An earlier run's choices again (run again, remix), from its `params`."""
        values: dict[str, Any] = {
            "descriptions": {d["id"]: d["value"] for d in params.get("description") or []},
            "style": (params.get("style") or {}).get("id", ""),
            "size": (params.get("size") or {}).get("id", ""),
            "generate_num": int(params.get("generate_num") or 1),
        }
        return cls(**(values | overrides))

    def to_json(self) -> dict:
        """As saved in a preset (the inverse of `from_json`)."""
        return {
            "descriptions": self.filled_descriptions(),
            "style": self.style,
            "size": self.size,
            "generate_num": self.generate_num,
            "team_id": self.team_id,
            "visibility": self.visibility,
        }

    def over(self, saved: RunChoices) -> RunChoices:
        """These choices where given, the saved ones (a preset's) elsewhere; texts merge."""
        return RunChoices(
            descriptions={**saved.descriptions, **self.descriptions},
            style=self.style or saved.style,
            size=self.size or saved.size,
            generate_num=self.generate_num if self.generate_num != 1 else saved.generate_num,
            team_id=self.team_id if self.team_id is not None else saved.team_id,
            visibility=self.visibility or saved.visibility,
        )


def choices_problems(app: App, choices: RunChoices, photo_names: set[str]) -> dict[str, str]:
    """Field name -> what is wrong, for every choice this app would refuse (empty: fine).

    The form checks the same things with Django's fields; this is for callers that
    arrive with plain data (batches, the API, the gateway, presets).
    """
    problems: dict[str, str] = {}
    known = {f.id: f for f in app_descriptions(app)}
    filled = choices.filled_descriptions()
    for field_id, text in filled.items():
        if field_id not in known:
            problems[f"desc_{field_id}"] = Said(
                gettext_noop("This app has no text field with this id.")
            )
        elif len(text) > MAX_DESCRIPTION:
            problems[f"desc_{field_id}"] = Said(
                gettext_noop("Keep this text to %(n)d characters or fewer."), n=MAX_DESCRIPTION
            )
    for item in known.values():
        if item.required and item.id not in filled:
            problems[item.name] = Said(gettext_noop("This field is required."))
    styles = {s.id for s in app.styles}
    if app.forms_of("style") and styles:
        if choices.style not in styles:
            problems["style"] = Said(gettext_noop("Choose one of the app's styles."))
    elif choices.style:
        problems["style"] = Said(gettext_noop("This app has no styles to choose from."))
    if app.forms_of("size"):
        if choices.size not in SIZES:
            problems["size"] = Said(gettext_noop("Choose one of the sizes."))
    elif choices.size:
        problems["size"] = Said(gettext_noop("This app has no size to choose."))
    if not 1 <= choices.generate_num <= app.max_images:
        problems["generate_num"] = Said(
            gettext_noop("Choose between 1 and %(n)d images."), n=app.max_images
        )
    if choices.visibility not in ("", "private", "team"):
        problems["visibility"] = Said(gettext_noop("Choose who can see it: only you or your team."))
    slots = {slot.name: slot for slot in app_slots(app)}
    for name in photo_names - slots.keys():
        problems[name] = Said(gettext_noop("This app has no photo field with this name."))
    for slot in slots.values():
        if slot.required and slot.name not in photo_names:
            problems[slot.name] = Said(
                gettext_noop("Choose a photo, drop one here, or paste a link.")
            )
    return problems


def choices_fit(*, app: App, choices: RunChoices) -> tuple[RunChoices, list[str]]:
    """These choices without values for form types the app does not have (a style or a
    size for an app without that form, a text for an id it lacks), and the names of
    what was dropped: A1 ignores such values, so a script written for A1 may send them.
    A wrong value for a form the app has stays, for `choices_problems` to refuse."""
    known = {f.id for f in app_descriptions(app)}
    dropped = [f"description {k}" for k in choices.filled_descriptions() if k not in known]
    style, size = choices.style, choices.size
    if style and not app.forms_of("style"):
        dropped.append(f"styleId {style}")
        style = ""
    if size and not app.forms_of("size"):
        dropped.append(f"size {size}")
        size = ""
    descriptions = {k: v for k, v in choices.descriptions.items() if k in known}
    fitted = replace(choices, descriptions=descriptions, style=style, size=size)
    return fitted, dropped


def run_params(app: App, choices: RunChoices) -> dict:
    """What the person chose, with the labels they saw: for the run's page and remix."""
    labels = {f.id: f.label for f in app_descriptions(app)}
    styles = {s.id: s.name for s in app.styles}
    return {
        "description": [
            {"id": field_id, "label": str(labels.get(field_id, "")), "value": value}
            for field_id, value in choices.filled_descriptions().items()
        ],
        "style": {"id": choices.style, "name": styles.get(choices.style, "")}
        if choices.style
        else None,
        "size": {"id": choices.size, "label": SIZES[choices.size][0]}
        if choices.size in SIZES
        else None,
        "generate_num": choices.generate_num,
    }


# --- presets and new versions -------------------------------------------------------


def app_fields(app: App) -> dict[str, tuple[str, str]]:
    """Every field of the app's form by A1 id: (kind, label). Kinds: photo, text,
    style, size, or the type of a form the API cannot fill."""
    fields: dict[str, tuple[str, str]] = {}
    for form in app.forms:
        if form.type == "cnet":
            fields[form.id] = ("photo", form.name or _("Photo"))
        elif form.type == "description":
            if not form.inputs:
                fields[form.id] = ("text", form.name or _("Description"))
            for item in form.inputs:
                fields[item.id] = ("text", item.name or form.name or _("Description"))
        elif form.type == "style":
            fields[form.id] = ("style", form.name or _("Style"))
        elif form.type == "size":
            fields[form.id] = ("size", form.name or _("Size"))
        else:
            fields[form.id] = (form.type or "unknown", form.name or form.type)
    return fields


def form_changes(before: App, after: App) -> dict[str, list[str]]:
    """Which form fields a new version added, removed or changed the type of (labels)."""
    old, new = app_fields(before), app_fields(after)
    return {
        "added": [new[k][1] for k in new if k not in old],
        "removed": [old[k][1] for k in old if k not in new],
        "retyped": [new[k][1] for k in new if k in old and old[k][0] != new[k][0]],
    }


def choices_against(app: App, choices: RunChoices, *, before: App | None = None) -> list[dict]:
    """What in saved choices this version of the app would refuse: a list of
    {field, label, problem} (problem codes as in Preset.Problem); empty when fine.

    `before` is the version the choices were made for: its labels name fields that are
    gone from this one.
    """
    now = app_fields(app)
    then = app_fields(before) if before is not None else {}
    problems: list[dict] = []
    seen: set[str] = set()

    def problem(field: str, code: str, label: str = "") -> None:
        seen.add(field)
        problems.append({"field": field, "label": str(label), "problem": code})

    texts = {f.id for f in app_descriptions(app)}
    for field_id in choices.filled_descriptions():
        if field_id in texts:
            continue
        label = then.get(field_id, now.get(field_id, ("", field_id)))[1]
        problem(f"desc_{field_id}", "retyped" if field_id in now else "gone", label)
    if choices.style:
        if not app.forms_of("style"):
            label = next((v[1] for v in then.values() if v[0] == "style"), _("Style"))
            problem("style", "gone", label)
        elif choices.style not in {s.id for s in app.styles}:
            old_styles = {s.id: s.name for s in before.styles} if before is not None else {}
            problem("style", "style", old_styles.get(choices.style) or choices.style)
    if choices.size and not app.forms_of("size"):
        problem("size", "size")
    if not choices.style and app.forms_of("style") and app.styles:
        problem("style", "required", app.forms_of("style")[0].name or _("Style"))
    if not choices.size and app.forms_of("size"):
        problem("size", "required", app.forms_of("size")[0].name or _("Size"))
    if choices.generate_num > app.max_images:
        problem("generate_num", "count")
    filled = choices.filled_descriptions()
    for item in app_descriptions(app):
        if item.required and item.id not in filled and item.name not in seen:
            problem(item.name, "required", item.label)
    # Whatever else the submit check would refuse, so a preset never fails at submit.
    every_photo = {slot.name for slot in app_slots(app)}
    for name in choices_problems(app, choices, every_photo):
        if name not in seen and name != "visibility":
            problem(name, "other", now.get(name.removeprefix("desc_"), ("", name))[1])
    return problems
