"""Helpers for the library tests: adding apps the way a person does, through the page."""

from __future__ import annotations

import re

from library.models import LibraryEntry, Preset
from tests.base import WATERCOLOR, PortalMixin

POSTER = "1838546335502970882"
CHARACTER = "1838546335502970883"
HEADSHOT = "1838546335502970885"  # node app, 3 points
VIP = "1838546335502970886"
DISABLED = "1838546335502970887"
UNPUBLISHED = "1838546335502970888"
EMOJI = "1838546335502970889"  # versioned; publishes in Chinese
CAPTION = "desc_1838546335507173012"  # Emoji maker's caption
POP = "183854633550717311"  # one of its styles
ART_FONT = "1838546335502970890"  # an optional form the API cannot set
MISSING = "1838546335502970999"  # no such app


class LibraryMixin(PortalMixin):
    def add(self, text: str, library=None, *, follow=False):
        """Paste `text` into a library's add box (the team's by default); with `follow`,
        the page it redirects to (where what was refused is said)."""
        library = library if library is not None else str(self.team.pk)
        data = {"library": library, "apps": text}
        return self.client.post("/apps/library/add/", data, follow=follow)

    def entry(self, app_id: str, team=None, owner=None) -> LibraryEntry:
        rows = LibraryEntry.objects.filter(app__app_id=app_id)
        if owner is not None:
            return rows.get(owner=owner)
        return rows.get(team=team or self.team)

    def edit(self, entry: LibraryEntry, **fields):
        data = {"title": entry.title, "tags": ", ".join(entry.tags), "note": entry.note} | fields
        return self.client.post(f"/apps/library/{entry.pk}/", data)

    def library_html(self, library=None, **params) -> str:
        params = {"library": library if library is not None else str(self.team.pk), **params}
        response = self.client.get("/apps/", params)
        assert response.status_code == 200, response.content[:300]
        return response.content.decode()


class PresetMixin(LibraryMixin):
    def save_preset(self, name="Staff avatars", app_id=WATERCOLOR, team=None, **overrides):
        """Fill the app's form and press "Save preset" (no photo needed)."""
        key = self.form_key(self.form_page(app_id))
        # What a browser sends for a member of one team: the team and sharing defaults.
        sharing = {"team": str(self.team.pk), "visibility": "private"}
        if app_id == WATERCOLOR:
            no_photo = {"cnet_17466175263110005": None}
            data = self.watercolor_post(key, **no_photo | sharing | overrides)
        else:
            data = {"idempotency_key": key, CAPTION: "LOL", "style": POP, "generate_num": "2"}
            data |= sharing | overrides
        data["preset_name"] = name
        if team is not None:
            data["preset_team"] = str(team.pk)
        return self.client.post(f"/apps/{app_id}/presets/", data)

    def saved(self, name="Staff avatars") -> Preset:
        return Preset.objects.get(name=name)

    def run_from(self, preset: Preset, **data):
        """Open the app from the preset and give only the photo."""
        page = self.client.get(preset.get_absolute_url())
        assert page.status_code == 200
        key = self.form_key(page)
        post = {"idempotency_key": key, **self.filled(page.content.decode()), **data}
        return self.client.post(preset.get_absolute_url(), post), key

    @staticmethod
    def filled(html: str) -> dict:
        """What the browser sends from the rendered form: values and checked radios."""
        values = dict(re.findall(r'<input type="text" name="(desc_\d+)"[^>]*value="([^"]*)"', html))
        for name in ("style", "size", "generate_num", "visibility"):
            checked = re.search(rf'name="{name}" value="([^"]*)"[^>]*checked', html)
            if checked:
                values[name] = checked.group(1)
        team = re.search(r'<option value="(\d+)" selected>', html)
        if team:
            values["team"] = team.group(1)
        return values
