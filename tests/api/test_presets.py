"""POST /api/v1/presets/{id}/runs: a saved preset run from a script with a photo and a key."""

from __future__ import annotations

from generator.models import Run
from library.models import Preset
from tests.base import WATERCOLOR
from tests.live import ApiTestCase, assert_error_shape

SLOT = "cnet_17466175263110005"


class PresetApiTests(ApiTestCase):
    def saved(self, **choices) -> Preset:
        """A preset saved from the app's form, as a person would (the library's own view)."""
        self.login()
        page = self.form_page()
        data = self.watercolor_post(self.form_key(page), cnet_17466175263110005=None)
        data |= {"preset_name": "Staff avatars", **choices}
        response = self.client.post(f"/apps/{WATERCOLOR}/presets/", data)
        assert response.status_code in (200, 302), response.content[:500]
        return Preset.objects.get()

    def test_it_runs_a_preset_with_a_photo_and_a_key(self):
        preset = self.saved()
        photo = self.upload()
        response = self.api(
            "POST",
            f"/presets/{preset.pk}/runs",
            json={"photos": {SLOT: photo}},
            headers={"Idempotency-Key": "avatar-1"},
        )
        assert response.status_code == 201, response.text
        run = Run.objects.get(pk=response.json()["id"])
        assert run.api_key == self.key and run.params["style"]["id"] == "183854633550716522"
        assert run.params["description"][0]["value"] == "red"
        again = self.api(
            "POST",
            f"/presets/{preset.pk}/runs",
            json={"photos": {SLOT: photo}},
            headers={"Idempotency-Key": "avatar-1"},
        )
        assert again.status_code == 200 and self.sandbox.calls("generate") == 1

    def test_it_lists_the_presets_a_key_may_run(self):
        preset = self.saved()
        listed = self.api("GET", "/presets", params={"app_id": WATERCOLOR}).json()
        assert [p["id"] for p in listed] == [str(preset.pk)]
        assert self.api("GET", "/presets", token=self.key_for(self.outsider)).json() == []

    def test_someone_elses_preset_is_not_found(self):
        preset = self.saved()
        response = self.api(
            "POST",
            f"/presets/{preset.pk}/runs",
            json={"photos": {}},
            token=self.key_for(self.outsider),
            headers={"Idempotency-Key": "x"},
        )
        assert_error_shape(response, 404, "not_found")
