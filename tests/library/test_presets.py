"""Presets: saving a filled form under a name, starting runs from it, and what a new
version of the app does to it."""

import re
import uuid

import pytest

from common.images import normalise
from generator.errors import SubmitRefused
from generator.models import Budget, InputImage, Run
from generator.runs import photos
from generator.runs.inputs import RunChoices
from library import presets
from library import watch as app_watch
from library.models import Preset
from tests.base import WATERCOLOR, TrackingTestCase, photo
from tests.conftest import image_bytes
from tests.library.base import EMOJI, POP, PresetMixin

HAIR = "desc_1838546335507165192"


class SavingTests(PresetMixin, TrackingTestCase):
    def setUp(self):
        self.login(self.owner)

    def test_it_saves_the_filled_form_without_photos(self):
        response = self.save_preset(cnet_17466175263110005=photo())
        preset = self.saved()
        assert response.status_code == 302 and response["Location"] == preset.get_absolute_url()
        assert preset.owner == self.owner and preset.team is None and preset.app_id == WATERCOLOR
        assert preset.choices == {
            "descriptions": {"1838546335507165192": "red"},
            "style": "183854633550716522",
            "size": "6",
            "generate_num": 2,
            "team_id": self.team.pk,
            "visibility": "private",
        }
        assert "cnet" not in str(preset.choices) and preset.version_id
        assert not Run.objects.exists() and self.sandbox.calls("generate") == 0
        assert not InputImage.objects.filter(run__isnull=False).exists()

    def test_saving_with_htmx_keeps_the_form_and_its_photo(self):
        key = self.form_key(self.form_page())
        data = self.watercolor_post(key, preset_name="Staff avatars")
        response = self.client.post(f"/apps/{WATERCOLOR}/presets/", data, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        preset = self.saved()
        assert response["HX-Push-Url"] == preset.get_absolute_url()
        assert "Preset “Staff avatars” saved." in html
        assert 'name="cnet_17466175263110005_staged"' in html  # the photo is still there
        assert f'hx-post="{preset.get_absolute_url()}"' in html  # Generate runs from here
        assert f'value="{key}"' in html
        # The list of presets above the form (empty, so hidden, before) shows it at once.
        listed = html[html.index('<section id="app-presets"') :]
        assert listed.startswith(
            '<section id="app-presets" class="card lib-app-presets" '
            'aria-labelledby="presets-heading" hx-swap-oob="true">'
        )
        assert (
            f'href="/apps/{WATERCOLOR}/?preset={preset.pk}" aria-current="true">Staff avatars<'
            in listed
        )

    def test_the_app_page_keeps_a_hidden_place_for_presets(self):
        Preset.objects.all().delete()
        page = self.form_page().content.decode()
        assert (
            'id="app-presets" class="card lib-app-presets" aria-labelledby="presets-heading" hidden>'
            in page
        )

    def test_it_explains_a_missing_or_taken_name_next_to_it(self):
        html = self.save_preset(name="  ").content.decode()
        assert 'id="id_preset_name-error">This field is required.' in html
        assert self.save_preset().status_code == 302
        html = self.save_preset().content.decode()
        assert "There is already a preset with this name for this app here." in html
        assert (
            'name="preset_name" id="id_preset_name" maxlength="100" value="Staff avatars"' in html
        )
        assert Preset.objects.count() == 1

    def test_it_checks_the_choices_like_a_run_would(self):
        html = self.save_preset(style="nope").content.decode()
        assert "Select a valid choice" in html and not Preset.objects.exists()

    def test_a_manager_shares_a_preset_with_the_team_whose_runs_it_bills(self):
        assert self.save_preset(team=self.team).status_code == 302
        preset = self.saved()
        assert preset.team == self.team and preset.choices["team_id"] == self.team.pk
        self.login(self.teammate)
        html = self.form_page().content.decode()
        assert f'href="/apps/{WATERCOLOR}/?preset={preset.pk}">Staff avatars</a>' in html

    def test_a_member_can_only_keep_presets_for_themselves(self):
        self.login(self.teammate)
        html = self.form_page().content.decode()
        assert 'name="preset_team"' not in html
        html = self.save_preset(team=self.team).content.decode()
        assert "Select a valid choice" in html and not Preset.objects.exists()
        assert self.save_preset().status_code == 302
        assert self.saved().team is None

    def test_the_owner_updates_a_preset_from_its_page(self):
        self.save_preset()
        preset = self.saved()
        key = self.form_key(self.client.get(preset.get_absolute_url()))
        data = self.watercolor_post(key, cnet_17466175263110005=None, **{HAIR: "grey"})
        response = self.client.post(f"/apps/{WATERCOLOR}/presets/{preset.pk}/", data)
        assert response.status_code == 302
        preset.refresh_from_db()
        assert preset.choices["descriptions"] == {"1838546335507165192": "grey"}
        assert Preset.objects.count() == 1

    def test_the_owner_deletes_a_preset(self):
        self.save_preset()
        preset = self.saved()
        response = self.client.post(f"/presets/{preset.pk}/delete/")
        assert response.status_code == 302 and not Preset.objects.exists()


class StartingTests(PresetMixin, TrackingTestCase):
    def setUp(self):
        self.login(self.owner)
        self.save_preset()
        self.preset = self.saved()

    def test_a_preset_fills_the_form_so_only_the_photo_is_left(self):
        html = self.client.get(self.preset.get_absolute_url()).content.decode()
        assert "Filled from the preset “Staff avatars”: add the photos and generate." in html
        assert self.filled(html) == {
            HAIR: "red",
            "style": "183854633550716522",
            "size": "6",
            "generate_num": "2",
            "visibility": "private",
            "team": str(self.team.pk),
        }
        response, key = self.run_from(self.preset, cnet_17466175263110005=photo())
        run = Run.objects.get(idempotency_key=key)
        assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
        assert run.params["description"][0]["value"] == "red"
        assert run.params["style"]["name"] == "Vivid" and run.generate_num == 2

    def test_a_run_from_a_preset_is_sent_once_per_form(self):
        page = self.client.get(self.preset.get_absolute_url())
        data = {"idempotency_key": self.form_key(page), **self.filled(page.content.decode())}
        for _ in range(2):
            self.client.post(
                self.preset.get_absolute_url(), data | {"cnet_17466175263110005": photo()}
            )
        assert Run.objects.count() == 1 and self.sandbox.calls("generate") == 1

    def test_the_service_starts_a_run_from_a_preset_with_a_photo_and_a_key(self):
        kept = photos.photo_keep(user=self.owner, image=normalise(image_bytes(size=(300, 400))))
        key = uuid.uuid4()
        run = presets.preset_run_start(
            user=self.owner,
            preset=self.preset,
            photos={"cnet_17466175263110005": kept},
            key=key,
        )
        again = presets.preset_run_start(
            user=self.owner, preset=self.preset, photos={"cnet_17466175263110005": kept}, key=key
        )
        assert run == again and run.state == Run.State.RUNNING
        assert run.points_quoted == 2 and run.team == self.team
        assert self.sandbox.calls("generate") == 1

    def test_the_service_keeps_the_budget_rules(self):
        Budget.objects.create(team=self.team, monthly_points=1)
        kept = photos.photo_keep(user=self.owner, image=normalise(image_bytes()))
        with pytest.raises(SubmitRefused):
            presets.preset_run_start(
                user=self.owner,
                preset=self.preset,
                photos={"cnet_17466175263110005": kept},
                key=uuid.uuid4(),
            )
        assert not Run.objects.exists() and self.sandbox.calls("generate") == 0

    def test_preset_choices_are_plain_data_for_batches_and_scripts(self):
        choices = RunChoices.from_json(self.preset.choices)
        assert choices.descriptions == {"1838546335507165192": "red"}
        assert (choices.style, choices.size, choices.generate_num) == ("183854633550716522", "6", 2)
        assert choices.team_id == self.team.pk
        listed = presets.presets_for(user=self.owner, app_id=WATERCOLOR)
        assert [p.name for p in listed] == ["Staff avatars"]


class NeedsALookTests(PresetMixin, TrackingTestCase):
    """The app's author publishes a new version; the daily watch reads it."""

    def setUp(self):
        self.login(self.owner)
        self.add(EMOJI)
        assert self.save_preset(name="Stickers", app_id=EMOJI, team=self.team).status_code == 302
        self.preset = self.saved("Stickers")

    def new_version(self, **changes) -> str:
        version = self.sandbox.bump(EMOJI, **changes)
        assert app_watch.library_watch_step() == app_watch.CHECKED
        return version

    def test_a_preset_whose_field_is_gone_needs_a_look_instead_of_failing_at_submit(self):
        self.new_version(remove=["1838546335507173011"])
        page = self.client.get(self.preset.get_absolute_url())
        html = page.content.decode()
        self.preset.refresh_from_db()
        assert self.preset.needs_look
        assert "The preset “Stickers” needs a look." in html
        assert "“Caption” is no longer in the app." in html
        assert re.search(r'<button class="btn btn-primary" type="submit" disabled>', html)
        key = self.form_key(page)
        response = self.client.post(
            self.preset.get_absolute_url(),
            {
                "idempotency_key": key,
                "cnet_1838546335507173010": photo(),
                "style": POP,
                "generate_num": "1",
            },
        )
        assert "Check the form and save the preset before running it." in response.content.decode()
        assert self.sandbox.calls("generate") == 0
        kept = photos.photo_keep(user=self.owner, image=normalise(image_bytes()))
        with pytest.raises(presets.PresetNeedsLook):
            presets.preset_run_start(
                user=self.owner,
                preset=self.preset,
                photos={"cnet_1838546335507173010": kept},
                key=uuid.uuid4(),
            )
        assert self.sandbox.calls("generate") == 0

    def test_saving_the_checked_form_makes_it_usable_again(self):
        self.new_version(remove=["1838546335507173011"])
        page = self.client.get(self.preset.get_absolute_url())
        key = self.form_key(page)
        data = {"idempotency_key": key, "style": POP, "generate_num": "2"}
        response = self.client.post(f"/apps/{EMOJI}/presets/{self.preset.pk}/", data)
        assert response.status_code == 302
        self.preset.refresh_from_db()
        assert not self.preset.needs_look and self.preset.choices["descriptions"] == {}
        html = self.client.get(self.preset.get_absolute_url()).content.decode()
        assert "needs a look" not in html

    def test_a_member_is_told_to_ask_a_manager(self):
        self.new_version(remove=["1838546335507173013"])
        self.login(self.teammate)
        html = self.client.get(self.preset.get_absolute_url()).content.decode()
        assert "“Style” is no longer in the app." in html
        assert "Ask a manager of its team to check it." in html
        assert f'formaction="/apps/{EMOJI}/presets/{self.preset.pk}/"' not in html

    def test_a_new_version_that_keeps_the_presets_fields_changes_nothing(self):
        version = self.new_version()
        html = self.client.get(self.preset.get_absolute_url()).content.decode()
        self.preset.refresh_from_db()
        assert not self.preset.needs_look and self.preset.version_id == version
        assert "needs a look" not in html

    def test_an_older_definition_from_the_cache_never_marks_a_newer_preset(self):
        self.client.get(f"/apps/{EMOJI}/", {"language": "zh_CN"})  # version 1, in Chinese
        mood = {"id": "1838546335507173099", "type": "description", "name": "Mood"}
        self.new_version(add=[mood])
        key = self.form_key(self.form_page(EMOJI))
        data = {
            "idempotency_key": key,
            "style": POP,
            "generate_num": "1",
            "desc_" + mood["id"]: "calm",
        }
        response = self.client.post(f"/apps/{EMOJI}/presets/{self.preset.pk}/", data)
        assert response.status_code == 302
        html = self.client.get(self.preset.get_absolute_url() + "&language=zh_CN").content.decode()
        self.preset.refresh_from_db()
        assert not self.preset.needs_look and "needs a look" not in html

    def test_a_run_that_meets_a_new_version_marks_the_preset_at_once(self):
        page = self.client.get(self.preset.get_absolute_url())  # the cached version
        self.sandbox.bump(EMOJI, remove=["1838546335507173011"])
        data = {"idempotency_key": self.form_key(page), **self.filled(page.content.decode())}
        data["cnet_1838546335507173010"] = photo()
        html = self.client.post(self.preset.get_absolute_url(), data).content.decode()
        assert "The app&#x27;s author has just updated it." in html
        assert "“Caption” is no longer in the app." in html
        self.preset.refresh_from_db()
        assert self.preset.needs_look and not Run.objects.exists()
        assert self.sandbox.stats()["points_spent"].get("sandbox", 0) == 0
