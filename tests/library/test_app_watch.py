"""The version watch: each library app re-read about once a day, against the sandbox's
version bumps; new versions on the cards, presets checked against the new form."""

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from generator.runs import tracking
from library import watch as app_watch
from library.models import LibraryApp, Preset
from ops import chores
from tests.base import WATERCOLOR, TrackingTestCase
from tests.library.base import EMOJI, POSTER, PresetMixin

CAPTION_FORM = "1838546335507173011"  # the description form holding the Caption input


class WatchTests(PresetMixin, TrackingTestCase):
    def setUp(self):
        cache.delete(tracking.BACKOFF_KEY)
        self.login(self.owner)
        assert self.add(f"{EMOJI}\n{WATERCOLOR}").status_code == 302
        self.reads = self.sandbox.calls("app")

    def watch_round(self, now=None) -> list[str]:
        """Steps until nothing is due, as the worker's re-queued task would run them."""
        outcomes = []
        while (outcome := app_watch.library_watch_step(now=now)) == app_watch.CHECKED:
            outcomes.append(outcome)
            assert len(outcomes) < 10
        return [*outcomes, outcome]

    def new_reads(self) -> int:
        return self.sandbox.calls("app") - self.reads

    def card(self, name: str) -> str:
        cards = self.library_html().split('<li class="lib-card')[1:]
        (card,) = [c for c in cards if f'<span class="lib-name">{name}</span>' in c]
        return " ".join(card.split())

    def test_a_new_version_marks_the_card_with_the_fields_added_and_removed(self):
        extra = {"id": "1838546335507173099", "type": "description", "name": "Mood"}
        self.sandbox.bump(EMOJI, remove=[CAPTION_FORM], add=[extra])
        assert self.watch_round() == ["checked", "checked", "idle"]
        assert self.new_reads() == 2  # one read per app
        app = LibraryApp.objects.get(app_id=EMOJI)
        assert app.changes == {"added": ["Mood"], "removed": ["Caption"], "retyped": []}
        card = self.card("Emoji maker")
        assert "Updated" in card and "Added: Mood. Removed: Caption." in card
        assert "Updated" not in self.card("Watercolor portrait")

    def test_a_plain_bump_says_the_form_is_unchanged(self):
        version = self.sandbox.bump(EMOJI)
        self.watch_round()
        assert LibraryApp.objects.get(app_id=EMOJI).version_id == version
        assert "New version on" in self.card("Emoji maker")
        assert "The form is unchanged." in self.card("Emoji maker")

    def test_presets_are_checked_against_the_new_form(self):
        self.save_preset(name="With caption", app_id=EMOJI)
        self.save_preset(name="No caption", app_id=EMOJI, **{"desc_1838546335507173012": ""})
        self.sandbox.bump(EMOJI, remove=[CAPTION_FORM])
        self.watch_round()
        with_caption, without = (
            Preset.objects.get(name="With caption"),
            Preset.objects.get(name="No caption"),
        )
        assert with_caption.problems == [
            {"field": "desc_1838546335507173012", "label": "Caption", "problem": "gone"}
        ]
        assert not without.needs_look and without.version_id == with_caption.version_id
        assert "needs a look" in self.card("Emoji maker")

    def test_it_reads_each_app_at_most_once_a_day_however_many_libraries_hold_it(self):
        self.add(EMOJI, library="personal")
        self.login(self.teammate)
        self.add(EMOJI, library="personal")
        self.watch_round()
        assert self.new_reads() == 2
        assert self.watch_round() == ["idle"]
        assert self.watch_round(now=timezone.now() + timedelta(hours=12)) == ["idle"]
        assert self.new_reads() == 2
        self.watch_round(now=timezone.now() + timedelta(days=1))
        assert self.new_reads() == 4

    def test_a_rate_limit_stops_the_round_after_one_call(self):
        self.sandbox.knobs(throttle_seconds=30)
        assert app_watch.library_watch_step() == app_watch.STOPPED
        assert self.new_reads() == 1  # no retry
        assert app_watch.library_watch_step() == app_watch.STOPPED  # the backoff holds
        assert self.new_reads() == 1
        assert LibraryApp.objects.filter(checked_at__isnull=True).count() == 2  # still due
        self.sandbox.knobs(throttle_seconds=0)
        cache.delete(tracking.BACKOFF_KEY)
        assert self.watch_round() == ["checked", "checked", "idle"]

    def test_an_app_a1_stops_serving_is_marked_on_its_card(self):
        self.add(POSTER)
        LibraryApp.objects.filter(app_id=POSTER).update(app_id="1838546335502970886")  # VIP
        self.watch_round()
        assert LibraryApp.objects.get(app_id="1838546335502970886").unavailable_code == 324019
        assert "No longer served by A1" in self.library_html()

    def test_the_task_paces_itself_and_the_chore_runs_daily(self):
        period, task = chores.CHORES["watch_library"]
        assert period == timedelta(days=1) and task is app_watch.watch_library
        before = timezone.now()
        app_watch.watch_library.call()
        (queued,) = DBTaskResult.objects.filter(task_path__endswith="watch_library")
        assert queued.run_after >= before + app_watch.WATCH_PAUSE
        assert self.new_reads() == 1
