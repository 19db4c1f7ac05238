"""Forms: the app form built from an A1 app's formArr, and the "open an app" field."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from a1 import App
from a1.types import SIZES
from common.image_links import fetch_image, link_check
from common.images import MAX_INPUT_BYTES, ImageRejected, Normalised, normalise
from generator.models import Generation, InputImage, Team, sharing_defaults
from generator.runs.inputs import (
    MAX_DESCRIPTION,
    ImageSlot,
    RunChoices,
    app_descriptions,
    app_slots,
)

A1_HOSTS = {"a1.art", "www.a1.art", "a1art.xiaopiu.com"}
ID_RUN = re.compile(r"(?<!\d)(\d{15,20})(?!\d)")


def parse_app_ref(text: str) -> str | None:
    """An app id from an id or any a1.art app link; None when there is none."""
    text = (text or "").strip()
    if text.isdigit():
        return text if 15 <= len(text) <= 20 else None
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in A1_HOSTS:
        return None
    match = ID_RUN.search(parts.path) or ID_RUN.search(parts.query)
    return match.group(1) if match else None


class OpenAppForm(forms.Form):
    app = forms.CharField(
        label=gettext_lazy("App id or a1.art link"),
        max_length=500,
        widget=forms.TextInput(
            attrs={"placeholder": "https://a1.art/app/1838546335502970881", "autocomplete": "off"}
        ),
    )

    def clean_app(self) -> str:
        app_id = parse_app_ref(self.cleaned_data["app"])
        if app_id is None:
            raise forms.ValidationError(
                _("Paste an app id (a long number) or a link to an app on a1.art.")
            )
        return app_id


class AppForm(forms.Form):
    """Base class; `app_form(app)` adds one field per item of the app's formArr."""

    app: App
    slots: list[ImageSlot]
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    photos_required = True  # False when the choices are saved as a preset

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields |= sharing_fields(user)
        self.images: dict[str, Normalised | InputImage] = {}
        self.staged: dict[str, InputImage] = {}
        for slot in self.slots:
            staged_id = self.data.get(f"{slot.name}_staged") if self.is_bound else None
            image = _visible_image(user, staged_id)
            if image is not None:
                self.staged[slot.name] = image

    def new_photos(self) -> dict[ImageSlot, Normalised]:
        """Photos that arrived with this post (files or links), not yet kept."""
        return {
            slot: image
            for slot in self.slots
            if isinstance(image := self.images.get(slot.name), Normalised)
        }

    def add_errors(self, refusal) -> None:
        """Show a refusal from the services next to the fields it names."""
        if not refusal.problems:
            self.add_error(None, refusal.message)
            return
        for name, message in refusal.problems.items():
            self.add_error(name if name in self.fields else None, message)

    def keep(self, kept: dict[str, InputImage]) -> None:
        """Photos the services kept: shown again and sent by id if the form re-renders."""
        self.staged.update(kept)
        self.images.update(kept)

    def run_choices(self) -> RunChoices:
        """The valid form's choices as plain data, for the services."""
        data = self.cleaned_data
        team = data.get("team")
        return RunChoices(
            descriptions={
                name.removeprefix("desc_"): value
                for name, value in data.items()
                if name.startswith("desc_") and value
            },
            style=data.get("style", ""),
            size=data.get("size", ""),
            generate_num=data["generate_num"],
            team_id=team.pk if team else None,
            visibility=data.get("visibility") or "",
        )

    # --- template helpers -------------------------------------------------------

    def slot_fields(self):
        for slot in self.slots:
            yield {
                "slot": slot,
                "file": self[slot.name],
                "url": self[f"{slot.name}_url"],
                "staged": self.staged.get(slot.name),
                "errors": self.errors.get(slot.name),
            }

    def description_fields(self):
        return [self[name] for name in self.fields if name.startswith("desc_")]

    def chosen_count(self) -> int:
        try:
            count = int(self["generate_num"].value() or 1)
        except (TypeError, ValueError):
            count = 1
        return min(max(count, 1), self.app.max_images)

    def quote(self) -> int:
        return self.app.cost(self.chosen_count())

    def cost_options(self) -> list[dict]:
        """The cost for each possible number of images; the page shows the chosen one."""
        current = self.chosen_count()
        return [
            {"count": n, "points": self.app.cost(n), "current": n == current}
            for n in range(1, self.app.max_images + 1)
        ]

    # --- validation -------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        if "idempotency_key" in self.errors:
            # A forged or lost key: offer a fresh one, so pressing again starts one run.
            self.data = self.data.copy()
            self.data["idempotency_key"] = str(uuid.uuid4())
            del self.errors["idempotency_key"]
            self.add_error(None, _("This form has expired. Check it and submit it again."))
        for slot in self.slots:
            upload = self.files.get(slot.name)
            url = (cleaned.get(f"{slot.name}_url") or "").strip()
            try:
                if upload:
                    normalised = normalise(_read(upload))
                    normalised.original_name = upload.name[-200:]
                    self.images[slot.name] = normalised
                elif url:
                    normalised = normalise(fetch_image(url))
                    normalised.original_name = url.rsplit("/", 1)[-1][-200:]
                    normalised.source_url = url
                    self.images[slot.name] = normalised
                elif slot.name in self.staged:
                    self.images[slot.name] = self.staged[slot.name]
                elif slot.required and self.photos_required:
                    self.add_error(slot.name, _("Choose a photo, drop one here, or paste a link."))
            except ImageRejected as exc:
                self.add_error(slot.name, str(exc))
        return cleaned


def _read(upload) -> bytes:
    if upload.size > MAX_INPUT_BYTES:
        raise ImageRejected(
            _("The file is larger than %(limit)d MB; please choose a smaller image.")
            % {"limit": MAX_INPUT_BYTES // (1024 * 1024)}
        )
    return upload.read()


def _visible_image(user, staged_id) -> InputImage | None:
    """A photo the user may reuse: their own, or one of a run they can see (remix) that
    is still shown (GenerationQuerySet.shown)."""
    try:
        image_id = uuid.UUID(str(staged_id))
    except (TypeError, ValueError):
        return None
    return InputImage.objects.visible_to(user).shown().filter(id=image_id).first()


def sharing_fields(user) -> dict[str, forms.Field]:
    """Who sees a run: only me, or one of my teams (the team also pays for it)."""
    teams = Team.objects.filter(memberships__user=user).order_by("name")
    if not teams.exists():
        return {}
    visibility, team = sharing_defaults(user)
    return {
        "visibility": forms.ChoiceField(
            label=_("Who can see it"),
            choices=Generation.Visibility.choices,
            initial=visibility,
            widget=forms.RadioSelect,
            required=False,  # absent: the user's default
        ),
        "team": forms.ModelChoiceField(
            label=_("Team"),
            queryset=teams,
            initial=team or teams.first(),
            empty_label=None,
            required=False,
        ),
    }


def initial_from_choices(choices: RunChoices) -> dict:
    """Saved choices (a preset) as the app form's initial values."""
    initial: dict = {"generate_num": choices.generate_num}
    for field_id, text in choices.descriptions.items():
        initial[f"desc_{field_id}"] = text
    if choices.style:
        initial["style"] = choices.style
    if choices.size:
        initial["size"] = choices.size
    if choices.team_id is not None:
        initial["team"] = choices.team_id
    if choices.visibility:
        initial["visibility"] = choices.visibility
    return initial


def choice_fields(app: App) -> dict[str, forms.Field]:
    """Style, size and count: the choices that are the same for one run or a batch."""
    fields: dict[str, forms.Field] = {}
    style_form = next(iter(app.forms_of("style")), None)
    if style_form is not None and app.styles:
        fields["style"] = forms.ChoiceField(
            label=style_form.name or _("Style"),
            choices=[(s.id, s.name or s.id) for s in app.styles],
            initial=app.styles[0].id,
            widget=forms.RadioSelect,
        )
    size_form = next(iter(app.forms_of("size")), None)
    if size_form is not None:
        fields["size"] = forms.ChoiceField(
            label=size_form.name or _("Size"),
            choices=[(size_id, ratio) for size_id, (ratio, _w, _h) in SIZES.items()],
            initial="1",
            widget=forms.RadioSelect,
        )
    fields["generate_num"] = forms.TypedChoiceField(
        label=_("Number of images"),
        choices=[(n, str(n)) for n in range(1, app.max_images + 1)],
        coerce=int,
        initial=1,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose between 1 and %(n)d images.") % {"n": app.max_images}
        },
    )
    return fields


def app_form(app: App) -> type[AppForm]:
    """A form class for this app: one field per formArr item, in A1's order."""
    fields: dict[str, forms.Field] = {}
    slots = app_slots(app)
    for slot in slots:
        fields[slot.name] = forms.FileField(label=slot.label, required=False)
        fields[f"{slot.name}_url"] = forms.URLField(
            label=_("…or an image link"),
            required=False,
            max_length=2000,
            assume_scheme="https",
        )
    for item in app_descriptions(app):
        fields[item.name] = forms.CharField(
            label=item.label,
            required=item.required,
            initial=item.default,
            max_length=MAX_DESCRIPTION,
            widget=(
                forms.Textarea(attrs={"rows": 3})
                if item.multiline
                else forms.TextInput(attrs={"placeholder": item.placeholder})
            ),
        )
    fields |= choice_fields(app)
    attrs = {"app": app, "slots": slots, **fields}
    return type("AppFormFor" + app.id, (AppForm,), attrs)


class EnhanceForm(AppForm):
    """One photo to enhance, taken the same ways as an app's photo."""

    app = None
    slots = [ImageSlot("enhance", None, gettext_lazy("Photo to enhance"), True)]
    cnet_enhance = forms.FileField(label=gettext_lazy("Photo to enhance"), required=False)
    cnet_enhance_url = forms.URLField(
        label=gettext_lazy("…or an image link"),
        required=False,
        max_length=2000,
        assume_scheme="https",
    )


class LibraryFilterForm(forms.Form):
    """Filters for history and the team gallery; every field optional."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    app = forms.ChoiceField(label=gettext_lazy("App"), required=False)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    favourites = forms.BooleanField(label=gettext_lazy("Favourites only"), required=False)
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All my teams"),
    )

    def __init__(self, *args, apps=(), teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["app"].choices = [("", _("All apps")), *apps]
        self.fields["state"].choices = [("", _("Any state")), *Generation.State.choices]
        if teams is not None and teams.count() > 1:
            self.fields["team"].queryset = teams
        else:
            del self.fields["team"]

    def filters(self) -> dict:
        """The valid filters as keyword arguments for the history and gallery selectors."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        filters = {
            "q": data.get("q", ""),
            "app": data.get("app", ""),
            "state": data.get("state", ""),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "favourites": bool(data.get("favourites")),
        }
        if "team" in self.fields:
            filters["team"] = data.get("team")
        return filters


class ShareForm(forms.Form):
    visibility = forms.ChoiceField(label=gettext_lazy("Who can see it"), choices=())
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=None, required=False, empty_label=None
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visibility"].choices = Generation.Visibility.choices
        self.fields["team"].queryset = teams

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("visibility") == "team" and not cleaned.get("team"):
            self.add_error("team", _("Choose the team to share with."))
        return cleaned


class PreferencesForm(ShareForm):
    pass


class UsageForm(forms.Form):
    """The period and split of the usage page; every field optional (default: this month)."""

    month = forms.DateField(
        label=gettext_lazy("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    split = forms.ChoiceField(
        label=gettext_lazy("Split each day by"), required=False, initial="app"
    )

    MAX_DAYS = 366

    def __init__(self, *args, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # App first: it is the default, and what a bound form without a split shows.
        choices = [("app", _("App")), ("team", _("Team"))]
        if staff:
            choices.append(("user", _("User")))
        self.fields["split"].choices = choices

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end is before the start."))
        elif start and end and (end - start).days >= self.MAX_DAYS:
            self.add_error("date_to", _("Choose at most %(n)d days.") % {"n": self.MAX_DAYS})
        return cleaned

    def period(self, today) -> tuple:
        """(start, end) chosen, else this month so far."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start, end, month = data.get("date_from"), data.get("date_to"), data.get("month")
        if start or end:
            end = end or max(start, today)
            start = start or end.replace(day=1)
            return start, end
        if month:
            first = month.replace(day=1)
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            return first, min(last, max(today, first))
        return today.replace(day=1), today

    def split_choice(self) -> str:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("split") or "app"


class ApiKeyForm(forms.Form):
    """A personal API key's name, its own monthly budget and its webhook."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    monthly_points = forms.IntegerField(
        label=gettext_lazy("Points per month"),
        min_value=1,
        required=False,
        help_text=gettext_lazy(
            "Runs started with this key stop at this many points a month. Empty: no limit "
            "of its own (yours and your team's still apply)."
        ),
    )
    webhook_url = forms.URLField(
        label=gettext_lazy("Webhook URL"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "Optional: we POST a signed message here when a run started with this key ends."
        ),
    )

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"]
        if url:
            try:
                link_check(url)
            except ImageRejected as exc:
                raise forms.ValidationError(str(exc)) from None
        return url


# --- the app library ----------------------------------------------------------------

MAX_PASTE = 50
MAX_TAGS = 10
TAG_LENGTH = 30


class LibraryAddForm(forms.Form):
    """One app id or link, or many pasted at once (one per line)."""

    apps = forms.CharField(
        label=gettext_lazy("App ids or a1.art links"),
        max_length=MAX_PASTE * 200,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": gettext_lazy("Paste at least one app id or a1.art link.")},
    )

    def clean_apps(self) -> str:
        text = self.cleaned_data["apps"]
        items = [word.strip(",;") for word in text.split()]
        items = [item for item in items if item]
        if len(items) > MAX_PASTE:
            raise forms.ValidationError(
                _("Add at most %(n)d apps at once; you pasted %(count)d.")
                % {"n": MAX_PASTE, "count": len(items)}
            )
        self.order = items
        self.refs: list[tuple[str, str]] = []
        self.bad: list[tuple[str, str]] = []
        seen: set[str] = set()
        for item in items:
            app_id = parse_app_ref(item)
            if app_id is None:
                self.bad.append((item, _("This is not an app id or a link to an app on a1.art.")))
            elif app_id in seen:
                self.bad.append((item, _("This app is listed twice in what you pasted.")))
            else:
                seen.add(app_id)
                self.refs.append((item, app_id))
        return text


def _tags(text: str) -> list[str]:
    # Chinese and Japanese keyboards type their own commas (U+FF0C, U+3001), and the
    # help text in those languages shows them.
    tags: list[str] = []
    for raw in re.split("[,\uff0c\u3001]", text):
        tag = " ".join(raw.split())
        if tag and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return tags


class LibraryEntryForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Display name"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Leave empty to use the app's own name."),
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Separate tags with commas, e.g. avatars, posters."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What the team should know, e.g. “3:4 for staff avatars”."),
    )

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean_note(self) -> str:
        return self.cleaned_data["note"].strip()

    def clean_tags(self) -> list[str]:
        tags = _tags(self.cleaned_data["tags"])
        for tag in tags:
            if len(tag) > TAG_LENGTH:
                raise forms.ValidationError(
                    _("Keep each tag to %(n)d characters or fewer; “%(tag)s…” has %(length)d.")
                    % {"n": TAG_LENGTH, "tag": tag[:20], "length": len(tag)}
                )
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(
                _("Use at most %(n)d tags; there are %(count)d.")
                % {"n": MAX_TAGS, "count": len(tags)}
            )
        return tags


class AppLibraryFilterForm(forms.Form):
    """Search, filters and order of the library page; every field optional."""

    KINDS = [
        ("", gettext_lazy("Any kind")),
        ("form", gettext_lazy("Form apps")),
        ("node", gettext_lazy("Node apps")),
    ]
    COSTS = [
        ("", gettext_lazy("Any cost")),
        ("1", gettext_lazy("1 point per image")),
        ("3", gettext_lazy("Up to 3 points a run")),
        ("10", gettext_lazy("Up to 10 points a run")),
    ]
    PHOTOS = [
        ("", gettext_lazy("With or without photos")),
        ("yes", gettext_lazy("Takes photos")),
        ("no", gettext_lazy("Text only")),
    ]
    SORTS = [
        ("pinned", gettext_lazy("Pinned first")),
        ("last_used", gettext_lazy("Last used")),
        ("most_used", gettext_lazy("Most used")),
        ("newest", gettext_lazy("Newest version")),
    ]

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=KINDS, required=False)
    cost = forms.ChoiceField(label=gettext_lazy("Cost"), choices=COSTS, required=False)
    photos = forms.ChoiceField(label=gettext_lazy("Photos"), choices=PHOTOS, required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), choices=SORTS, required=False)
    waiting = forms.BooleanField(label=gettext_lazy("Waiting for approval"), required=False)

    def filters(self) -> dict:
        """The valid choices as keyword arguments for app_library.Filters."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        cost = data.get("cost")
        return {
            "q": data.get("q", ""),
            "kind": data.get("kind", ""),
            "cost": int(cost) if cost else None,
            "photos": data.get("photos", ""),
            "waiting": bool(data.get("waiting")),
            "sort": data.get("sort") or "pinned",
        }


class PresetForm(forms.Form):
    """The name (and, for a new preset, who shares it) when a filled form is saved."""

    preset_name = forms.CharField(label=gettext_lazy("Preset name"), max_length=100)
    preset_team = forms.ModelChoiceField(
        label=gettext_lazy("Who can use it"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("Only me"),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preset_team"].queryset = teams

    def clean_preset_name(self) -> str:
        name = " ".join(self.cleaned_data["preset_name"].split())
        if not name:
            raise forms.ValidationError(_("Give the preset a name."))
        return name


class EraseConfirmForm(forms.Form):
    """Erasing an account cannot be undone: the user name is typed to confirm it."""

    username = forms.CharField(
        label=gettext_lazy("Type the user name to confirm"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_username(self) -> str:
        typed = self.cleaned_data["username"]
        if typed != self.expected:
            raise forms.ValidationError(
                _("That is not the user name %(name)s, so nothing was deleted.")
                % {"name": self.expected}
            )
        return typed
