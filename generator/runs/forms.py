"""Forms: the app form built from an A1 app's formArr, and the "open an app" field."""

from __future__ import annotations

import re
import uuid
from typing import Any, cast
from urllib.parse import urlsplit

from django import forms
from django.db.models import QuerySet
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from a1 import App
from a1.types import SIZES
from common.image_links import fetch_image
from common.images import MAX_INPUT_BYTES, ImageRejected, Normalised, normalise
from generator.models import InputImage, Run, Team, sharing_defaults
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

    def keep_staged(self, data) -> None:
        """Photos kept on an earlier round trip, named by id in `data` ("<slot>_staged",
        a value or a list of one): shown again if the person may still see them."""
        for slot in self.slots:
            staged_id = data.get(f"{slot.name}_staged")
            if isinstance(staged_id, list):
                staged_id = staged_id[0] if staged_id else None
            image = _visible_image(self.user, staged_id)
            if image is not None:
                self.keep({slot.name: image})

    def kept_images(self) -> dict[str, InputImage]:
        """The photos once `keep` has been given the new ones: all of them kept."""
        images = {
            name: image for name, image in self.images.items() if isinstance(image, InputImage)
        }
        assert len(images) == len(self.images), "keep() the new photos first"
        return images

    def run_choices(self) -> RunChoices:
        """The valid form's choices as plain data, for the services."""
        return RunChoices.from_form(self.cleaned_data)

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

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "idempotency_key" in self.errors:
            # A forged or lost key: offer a fresh one, so pressing again starts one run.
            data = self.data.copy() if isinstance(self.data, MultiValueDict) else dict(self.data)
            data["idempotency_key"] = str(uuid.uuid4())
            self.data = data
            del self.errors["idempotency_key"]
            self.add_error(None, _("This form has expired. Check it and submit it again."))
        for slot in self.slots:
            upload = self.files.get(slot.name)
            url = (cleaned.get(f"{slot.name}_url") or "").strip()
            try:
                if upload:
                    normalised = normalise(_read(upload))
                    normalised.original_name = (upload.name or "")[-200:]
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
    is still shown (RunQuerySet.shown)."""
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
            choices=Run.Visibility.choices,
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

    slots = [ImageSlot("enhance", None, gettext_lazy("Photo to enhance"), True)]
    cnet_enhance = forms.FileField(label=gettext_lazy("Photo to enhance"), required=False)
    cnet_enhance_url = forms.URLField(
        label=gettext_lazy("…or an image link"),
        required=False,
        max_length=2000,
        assume_scheme="https",
    )


class ShareForm(forms.Form):
    visibility = forms.ChoiceField(label=gettext_lazy("Who can see it"), choices=())
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=None, required=False, empty_label=None
    )

    def __init__(self, *args, teams: QuerySet[Team], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["visibility"]).choices = Run.Visibility.choices
        cast("forms.ModelChoiceField[Team]", self.fields["team"]).queryset = teams

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("visibility") == "team" and not cleaned.get("team"):
            self.add_error("team", _("Choose the team to share with."))
        return cleaned


# --- the app library ----------------------------------------------------------------


class SharedPhotosForm(forms.Form):
    """Photos shared from a phone's gallery (the installed app's share target), each
    checked as the app form checks an upload (its size, then `normalise`)."""

    # One photo opens a run's form; several a batch's, one item each. Each is read and
    # converted in the request, so a share is kept to what a phone's sheet sends at once.
    MAX_PHOTOS = 30

    def clean(self) -> dict[str, Any]:
        super().clean()
        uploads = self.files.getlist("photos")
        self.images: list = []
        if not uploads:
            self.add_error(None, _("Share a photo to start a run with it."))
        elif len(uploads) > self.MAX_PHOTOS:
            self.add_error(
                None, _("Share at most %(max)d photos at a time.") % {"max": self.MAX_PHOTOS}
            )
        for upload in uploads[: self.MAX_PHOTOS]:
            try:
                image = normalise(_read(upload))
            except ImageRejected as exc:
                self.add_error(None, f"{upload.name}: {exc}")
                continue
            image.original_name = (upload.name or "")[-200:]
            self.images.append(image)
        return self.cleaned_data
