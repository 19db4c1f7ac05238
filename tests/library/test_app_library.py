"""/apps/: a library's page — adding apps, finding them, curating them, their cards."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from generator.models import AppDefinition, Preferences, Run, Team
from library.models import LibraryApp, LibraryEntry
from tests.base import WATERCOLOR, TrackingTestCase
from tests.library.base import (
    ART_FONT,
    CHARACTER,
    DISABLED,
    HEADSHOT,
    MISSING,
    POSTER,
    UNPUBLISHED,
    VIP,
    LibraryMixin,
)


def names_in(html: str) -> list[str]:
    return re.findall(r'<span class="lib-name">([^<]*)</span>', html)


def textarea(html: str) -> str:
    found = re.search(r'<textarea name="apps"[^>]*>(.*?)</textarea>', html, re.S)
    assert found is not None
    return found.group(1)


class AddingTests(LibraryMixin, TrackingTestCase):
    def setUp(self):
        self.login(self.owner)

    def test_it_adds_the_good_apps_of_a_paste_and_refuses_the_rest_with_reasons(self):
        pasted = "\n".join(
            [
                f"https://a1.art/app/{WATERCOLOR}",
                POSTER,
                f"https://a1.art/app/{MISSING}",
                VIP,
                f"a1.art/apps/{DISABLED}",
                UNPUBLISHED,
                "hello",
                WATERCOLOR,
            ]
        )
        response = self.add(pasted, follow=True)
        html = response.content.decode()
        assert response.status_code == 200
        held = LibraryEntry.objects.filter(team=self.team).values_list("app__app_id", flat=True)
        assert set(held) == {WATERCOLOR, POSTER}
        refused = html[html.index('id="add-result"') :]
        assert "Added: Watercolor portrait, Poster from words" in html
        assert (
            f"<code>https://a1.art/app/{MISSING}</code> — There is no A1 app with this id."
            in refused
        )
        assert f"<code>{VIP}</code> — This is a VIP app: it needs a paid A1 plan." in refused
        assert "cannot be used through the A1 API" in refused
        assert "unpublished draft by another creator" in refused
        assert (
            "<code>hello</code> — This is not an app id or a link to an app on a1.art." in refused
        )
        assert f"<code>{WATERCOLOR}</code> — This app is listed twice" in refused
        assert 'aria-invalid="true"' in html and 'aria-describedby="add-help add-result"' in html
        listed = re.findall(r"<li><code>([^<]*)</code>", refused)
        pasted_order = [f"https://a1.art/app/{MISSING}", VIP, f"a1.art/apps/{DISABLED}"]
        assert listed == [*pasted_order, UNPUBLISHED, "hello", WATERCOLOR]
        # The refused lines wait in the box to be fixed; the added ones are gone from it.
        box = textarea(html)
        assert MISSING in box and "hello" in box and POSTER not in box
        assert self.sandbox.calls("app") == 6  # each app read once; "hello" never asked

    def test_it_reads_each_app_once_and_refuses_a_duplicate(self):
        assert self.add(WATERCOLOR).status_code == 302
        html = self.add(f"https://a1.art/app/{WATERCOLOR}", follow=True).content.decode()
        assert "This app is already in this library." in html
        assert self.sandbox.calls("app") == 1
        assert LibraryEntry.objects.count() == 1

    def test_it_refuses_an_app_with_a_required_field_the_api_cannot_fill(self):
        assert self.add(ART_FONT).status_code == 302  # its unknown form is optional
        clip = {"id": "1838546335507167099", "type": "video", "name": "Clip", "required": True}
        self.sandbox.bump(CHARACTER, add=[clip])
        html = self.add(CHARACTER, follow=True).content.decode()
        assert "This app has a field the A1 API cannot fill, so it cannot run here." in html
        assert not LibraryEntry.objects.filter(app__app_id=CHARACTER).exists()

    def test_it_returns_to_the_library_when_everything_was_added(self):
        response = self.add(f"{WATERCOLOR}\n{POSTER}")
        assert response.status_code == 302
        assert response["Location"] == f"/apps/?library={self.team.pk}"
        html = self.client.get(response["Location"]).content.decode()
        assert "Added 2 apps to Studio." in html
        assert names_in(html) == ["Poster from words", "Watercolor portrait"]

    def test_after_an_add_the_address_is_a_page_that_reloads(self):
        # A refusal too ends on the library's own address: reload, bookmark or Back
        # neither resubmit nor meet a POST-only address (HTTP 405).
        response = self.add(f"{WATERCOLOR}\n{MISSING}")
        assert response.status_code == 302
        assert response["Location"] == f"/apps/?library={self.team.pk}"
        page = self.client.get(response["Location"]).content.decode()
        assert "Added: Watercolor portrait" in page and MISSING in textarea(page)
        reloaded = self.client.get(response["Location"])
        assert reloaded.status_code == 200
        assert "There is no A1 app with this id." not in reloaded.content.decode()  # said once
        assert names_in(reloaded.content.decode()) == ["Watercolor portrait"]
        stale = self.client.get("/apps/library/add/")  # an old bookmark or history entry
        assert stale.status_code == 302 and stale["Location"] == "/apps/"
        # Another library's page does not show this one's refusal.
        self.add(MISSING)
        assert MISSING not in self.library_html("personal")

    def test_it_explains_an_empty_or_oversized_paste_next_to_the_box(self):
        html = self.add("   ", follow=True).content.decode()
        assert 'id="add-error">Paste at least one app id or a1.art link.' in html
        html = self.add(" ".join([WATERCOLOR] * 51), follow=True).content.decode()
        assert "Add at most 50 apps at once; you pasted 51." in html
        assert not LibraryEntry.objects.exists()

    def test_everyone_has_a_personal_library(self):
        self.login(self.teammate)
        assert self.add(WATERCOLOR, library="personal").status_code == 302
        entry = self.entry(WATERCOLOR, owner=self.teammate)
        assert entry.team is None and entry.added_by == self.teammate
        assert names_in(self.library_html("personal")) == ["Watercolor portrait"]

    def test_it_adds_from_the_app_page_and_from_apps_opened_lately(self):
        html = self.form_page().content.decode()
        assert 'name="library"' in html and "Add to library" in html
        response = self.client.post(
            "/apps/library/add/",
            {"library": "personal", "apps": WATERCOLOR, "next": f"/apps/{WATERCOLOR}/"},
        )
        assert response["Location"] == f"/apps/{WATERCOLOR}/"
        assert self.entry(WATERCOLOR, owner=self.owner)
        self.form_page(POSTER)
        html = self.library_html()
        recent = html[html.index('id="recent-heading"') :]
        assert "Poster from words" in recent and "Watercolor portrait" in recent


class EditingTests(LibraryMixin, TrackingTestCase):
    def setUp(self):
        self.login(self.owner)
        self.add(WATERCOLOR)
        self.watercolor = self.entry(WATERCOLOR)

    def test_a_manager_names_tags_and_notes_an_app(self):
        response = self.edit(
            self.watercolor, title="  Staff  avatars ", tags="avatars, Staff, avatars", note="3:4"
        )
        assert response.status_code == 302
        self.watercolor.refresh_from_db()
        assert self.watercolor.title == "Staff avatars"
        assert self.watercolor.tags == ["avatars", "Staff"]
        assert names_in(self.library_html()) == ["Staff avatars"]

    def test_it_splits_tags_at_chinese_and_japanese_commas_too(self):
        self.edit(self.watercolor, tags="头像，海报、avatars")
        self.watercolor.refresh_from_db()
        assert self.watercolor.tags == ["头像", "海报", "avatars"]

    def test_a_tag_of_500_characters_is_explained_next_to_the_tags(self):
        response = self.edit(self.watercolor, tags="avatars, " + "x" * 500)
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="id_tags-error">Keep each tag to 30 characters or fewer;' in html
        assert "has 500." in html and 'aria-invalid="true"' in html
        self.watercolor.refresh_from_db()
        assert self.watercolor.tags == []

    def test_too_many_tags_or_too_long_a_note_are_explained(self):
        tags = ", ".join(f"t{n}" for n in range(11))
        html = self.edit(self.watercolor, tags=tags, note="n" * 501).content.decode()
        assert "Use at most 10 tags; there are 11." in html
        assert 'id="id_note-error">Ensure this value has at most 500 characters' in html

    def test_a_busy_a1_keeps_the_link_in_the_box_to_try_again(self):
        self.sandbox.knobs(error_rate=1, faults_on="app")
        html = self.add(POSTER, follow=True).content.decode()
        assert f"<code>{POSTER}</code> — A1 had a server error. Try again in a moment." in html
        assert POSTER in textarea(html)
        assert not LibraryEntry.objects.filter(app__app_id=POSTER).exists()

    def test_removing_an_app_keeps_the_others(self):
        self.add(POSTER)
        response = self.client.post(f"/apps/library/{self.watercolor.pk}/remove/")
        assert response.status_code == 302
        assert names_in(self.client.get(response["Location"]).content.decode()) == [
            "Poster from words"
        ]


class FindingTests(LibraryMixin, TrackingTestCase):
    def setUp(self):
        self.login(self.owner)
        assert self.add(f"{WATERCOLOR}\n{POSTER}\n{HEADSHOT}").status_code == 302

    def test_it_finds_apps_by_name_tag_and_note(self):
        self.edit(self.entry(WATERCOLOR), tags="avatars, Staff", note="3:4 for staff avatars")
        self.edit(self.entry(POSTER), title="Event posters")
        assert names_in(self.library_html(q="avatars")) == ["Watercolor portrait"]
        assert names_in(self.library_html(q="staff")) == ["Watercolor portrait"]
        assert names_in(self.library_html(q="3:4")) == ["Watercolor portrait"]
        assert names_in(self.library_html(q="event")) == ["Event posters"]
        assert names_in(self.library_html(q="poster words")) == ["Event posters"]  # A1's name
        assert names_in(self.library_html(q="nothing-like-it")) == []
        assert "No app in this library matches." in self.library_html(q="nothing-like-it")

    def test_a_tag_on_a_card_links_to_its_search(self):
        self.edit(self.entry(WATERCOLOR), tags="avatars")
        html = self.library_html()
        assert f'href="/apps/?library={self.team.pk}&amp;q=avatars">avatars</a>' in html

    def test_it_finds_and_shows_names_in_the_interface_language(self):
        self.client.get(f"/apps/{WATERCOLOR}/", HTTP_ACCEPT_LANGUAGE="zh-hans")  # cached in zh
        response = self.client.get(
            "/apps/", {"library": self.team.pk, "q": "水彩"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert names_in(response.content.decode()) == ["水彩肖像"]
        # Without a Chinese name cached, the card keeps the name it has.
        assert "Poster from words" in self.library_html(HTTP_ACCEPT_LANGUAGE="zh-hans")

    def test_it_filters_by_kind_cost_and_photos(self):
        assert names_in(self.library_html(kind="node")) == ["Studio headshot"]
        assert names_in(self.library_html(kind="form")) == [
            "Poster from words",
            "Watercolor portrait",
        ]
        assert names_in(self.library_html(photos="no")) == ["Poster from words"]
        assert names_in(self.library_html(photos="yes")) == [
            "Studio headshot",
            "Watercolor portrait",
        ]
        assert names_in(self.library_html(cost="1")) == ["Poster from words", "Watercolor portrait"]
        assert len(names_in(self.library_html(cost="3"))) == 3

    def test_cards_say_what_a_run_costs_and_what_the_app_takes(self):
        html = self.library_html()
        card = html[html.index("Studio headshot") :]
        assert "3 points per run · node app · takes photos" in " ".join(card.split())
        card = html[html.index("Poster from words") :]
        assert "1 point per image · text only" in " ".join(card.split())
        assert "/files/assets/cover-" in html

    def test_it_sorts_by_pinned_order_that_managers_set(self):
        for app_id in (HEADSHOT, WATERCOLOR):
            entry = self.entry(app_id)
            self.client.post(f"/apps/library/{entry.pk}/pin/", {"action": "pin"})
        assert names_in(self.library_html()) == [
            "Studio headshot",
            "Watercolor portrait",
            "Poster from words",
        ]
        self.client.post(f"/apps/library/{self.entry(WATERCOLOR).pk}/pin/", {"action": "up"})
        assert names_in(self.library_html())[:2] == ["Watercolor portrait", "Studio headshot"]
        self.client.post(f"/apps/library/{self.entry(WATERCOLOR).pk}/pin/", {"action": "unpin"})
        assert names_in(self.library_html())[0] == "Studio headshot"

    def test_it_sorts_by_use_and_by_newest_version(self):
        self.start(team=str(self.team.pk))  # a Watercolor run counted against the team
        self.start(team=str(self.team.pk))
        Run.objects.create(
            user=self.teammate,
            team=self.team,
            app_id=POSTER,
            idempotency_key="00000000-0000-0000-0000-000000000001",
            state="completed",
            created=timezone.now() + timezone.timedelta(minutes=5),
        )
        assert names_in(self.library_html(sort="most_used"))[0] == "Watercolor portrait"
        assert names_in(self.library_html(sort="last_used"))[:2] == [
            "Poster from words",
            "Watercolor portrait",
        ]
        assert "2 runs · last used" in self.library_html()
        LibraryApp.objects.filter(app_id=HEADSHOT).update(
            version_seen_at=timezone.now() + timezone.timedelta(days=1)
        )
        assert names_in(self.library_html(sort="newest"))[0] == "Studio headshot"

    def test_htmx_filters_answer_with_the_grid_alone(self):
        response = self.client.get(
            "/apps/", {"library": self.team.pk, "q": "poster"}, HTTP_HX_REQUEST="true"
        )
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="library-grid"') and "<html" not in html


class ExampleTests(LibraryMixin, TrackingTestCase):
    def finished_run(self, **overrides) -> Run:
        run = self.start(generate_num="1", **overrides)
        self.finish_upstream(run)
        self.poll(run)
        assert run.state == "completed"
        return run

    def test_cards_show_three_of_the_teams_own_results_favourites_first(self):
        self.login(self.owner)
        self.add(WATERCOLOR)
        shared = {"visibility": "team", "team": str(self.team.pk)}
        runs = [self.finished_run(**shared) for _ in range(4)]
        private = self.finished_run(visibility="private", team=str(self.team.pk))
        Run.objects.filter(pk=runs[0].pk).update(favourite=True)
        self.login(self.teammate)
        html = self.library_html()
        shown = re.findall(r'src="/media/results/([0-9a-f-]+)/thumb"', html)
        first = {g.pk: str(g.results.get().pk) for g in [*runs, private]}
        assert shown == [first[runs[0].pk], first[runs[3].pk], first[runs[2].pk]]
        for result in shown:  # served by the media view, under its rules
            assert self.client.get(f"/media/results/{result}/thumb").status_code == 200
        self.login(self.outsider)
        assert self.client.get(f"/media/results/{shown[0]}/thumb").status_code == 404


class QueryCountTests(LibraryMixin, TrackingTestCase):
    def fill(self, count: int) -> None:
        """`count` apps in the team's library, each with a cached definition."""
        definition = AppDefinition.objects.get(app_id=WATERCOLOR)
        start = LibraryApp.objects.count()
        rows = LibraryApp.objects.bulk_create(
            LibraryApp(
                app_id=str(2838546335502970000 + start + n),
                language="en_US",
                name=f"App {start + n:03d}",
                version_id="1",
                cover="https://a1.art/cover.jpg",
            )
            for n in range(count)
        )
        AppDefinition.objects.bulk_create(
            AppDefinition(
                app_id=row.app_id,
                version_id="1",
                language="en_US",
                name=row.name,
                definition=definition.definition,
            )
            for row in rows
        )
        LibraryEntry.objects.bulk_create(
            LibraryEntry(app=row, team=self.team, tags=["bulk"], note="n", position=n or None)
            for n, row in enumerate(rows)
        )

    def queries(self, **params) -> int:
        self.library_html(**params)  # warm: the session, the user, the language
        with CaptureQueriesContext(connection) as captured:
            self.library_html(**params)
        return len(captured)

    def test_the_library_page_costs_the_same_queries_for_5_apps_as_for_500(self):
        self.login(self.owner)
        self.add(WATERCOLOR)
        self.start(visibility="team", team=str(self.team.pk))
        response = self.client.post(
            f"/apps/{WATERCOLOR}/presets/",
            self.watercolor_post(self.form_key(self.form_page()), preset_name="Avatars")
            | {"preset_team": str(self.team.pk)},
        )
        assert response.status_code == 302
        self.fill(4)
        small = self.queries()
        self.fill(495)
        assert LibraryEntry.objects.filter(team=self.team).count() == 500
        assert self.queries() == small
        assert self.queries(q="bulk", sort="most_used") == self.queries(q="bulk", sort="newest")
        assert small <= 20, small


class TeamSelectorTests(LibraryMixin, TrackingTestCase):
    def test_it_opens_the_default_teams_library_and_offers_every_library_of_mine(self):
        second = Team.objects.create(name="A second team")
        second.memberships.create(user=self.owner)
        Preferences.objects.create(user=self.owner, default_team=self.team)
        self.login(self.owner)
        html = self.client.get("/apps/").content.decode()
        tabs = html[html.index('class="lib-tabs"') : html.index("</nav>", html.index("lib-tabs"))]
        assert f'href="/apps/?library={self.team.pk}" aria-current="page">Studio' in tabs
        assert "A second team" in tabs and "Personal" in tabs and "All my apps" in tabs
        assert "Elsewhere" not in tabs

    def test_all_my_apps_shows_every_library_with_where_each_card_comes_from(self):
        self.login(self.owner)
        self.add(WATERCOLOR)
        self.add(POSTER, library="personal")
        html = self.library_html("all")
        assert names_in(html) == ["Poster from words", "Watercolor portrait"]
        assert '<span class="lib-badge lib-badge-quiet">Studio</span>' in html
        assert "Add apps to" not in html  # adding goes to one library


class ApprovalTests(LibraryMixin, TrackingTestCase):
    def test_staff_approve_apps_on_the_library_page_and_the_admin_agrees(self):
        with self.settings(APPS_ALLOW_ANY=False):
            self.login(self.owner)
            self.add(WATERCOLOR)  # a manager may propose an app staff have not approved
            html = self.library_html()
            assert "Waiting for staff approval" in html and "Approve" not in html
            assert self.client.get(f"/apps/{WATERCOLOR}/").status_code == 403
            self.login(self.staff)
            html = self.library_html(waiting="on")
            assert names_in(html) == ["Watercolor portrait"]
            response = self.client.post(
                f"/apps/{WATERCOLOR}/approve/", {"approved": "1", "next": "/apps/?library=1"}
            )
            assert response.status_code == 302
            assert names_in(self.library_html(waiting="on")) == []
            admin = self.client.get("/admin/generator/appdefinition/?allowed__exact=1")
            assert "Watercolor portrait" in admin.content.decode()
            self.login(self.owner)
            assert self.client.get(f"/apps/{WATERCOLOR}/").status_code == 200
            assert "Waiting for staff approval" not in self.library_html()

    def test_only_staff_approve(self):
        with self.settings(APPS_ALLOW_ANY=False):
            self.login(self.owner)
            self.add(WATERCOLOR)
            assert (
                self.client.post(f"/apps/{WATERCOLOR}/approve/", {"approved": "1"}).status_code
                == 404
            )
            assert not AppDefinition.objects.filter(allowed=True).exists()
