"""Helpers for the library tests: adding apps the way a person does, through the page."""

from __future__ import annotations

from generator.models import LibraryEntry

POSTER = "1838546335502970882"
CHARACTER = "1838546335502970883"
HEADSHOT = "1838546335502970885"  # node app, 3 points
VIP = "1838546335502970886"
DISABLED = "1838546335502970887"
UNPUBLISHED = "1838546335502970888"
EMOJI = "1838546335502970889"  # versioned; publishes in Chinese
ART_FONT = "1838546335502970890"  # an optional form the API cannot set
MISSING = "1838546335502970999"  # no such app


class LibraryMixin:
    def add(self, text: str, library=None):
        """Paste `text` into a library's add box (the team's by default)."""
        library = library if library is not None else str(self.team.pk)
        return self.client.post("/apps/library/add/", {"library": library, "apps": text})

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
