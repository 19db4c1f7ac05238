"""/runs/bulk/: one POST favourites, shares, hides, deletes (with Undo) or zips
many runs, and changes only the runs the person owns."""

import io
import re
import uuid
import zipfile

import pytest
from django.test import Client

from generator.galleries import bulk
from generator.models import Run
from tests.base import TrackingTestCase

URL = "/generations/bulk/"


class BulkTests(TrackingTestCase):
    def run_of(self, user, **fields) -> Run:
        """A run row as the galleries show it (no A1 call needed to act on it)."""
        return Run.objects.create(
            user=user, idempotency_key=uuid.uuid4(), app_name="Watercolor portrait", **fields
        )

    def setUp(self):
        super().setUp()
        self.mine = [self.run_of(self.owner) for _ in range(3)]
        self.theirs = self.run_of(self.teammate, visibility="team", team=self.team)
        self.outsiders = self.run_of(self.outsider)
        self.login(self.owner)

    def act(self, action, runs, follow=True, headers=None, **extra):
        data = {"action": action, "ids": [str(g.pk) for g in runs], "next": "/history/"}
        return self.client.post(URL, data | extra, follow=follow, headers=headers)

    def fresh(self, run) -> Run:
        return Run.objects.get(pk=run.pk)

    def test_it_favourites_then_unfavourites_my_runs_in_one_request(self):
        page = self.act("favourite", [*self.mine, self.theirs, self.outsiders])
        assert page.redirect_chain == [("/history/", 302)]
        assert "3 runs added to favourites." in page.content.decode()
        assert all(self.fresh(g).favourite for g in self.mine)
        assert not self.fresh(self.theirs).favourite and not self.fresh(self.outsiders).favourite
        page = self.act("unfavourite", self.mine[:2])
        assert "2 runs removed from favourites." in page.content.decode()
        assert [self.fresh(g).favourite for g in self.mine] == [False, False, True]
        # The message is shown once, not on the next visit.
        assert "removed from favourites" not in self.client.get("/history/").content.decode()

    def test_it_shares_with_the_chosen_team_and_makes_private_again(self):
        page = self.act("share", [*self.mine[:2], self.theirs], team=str(self.team.pk))
        assert "2 runs shared with Studio." in page.content.decode()
        for g in self.mine[:2]:
            assert (self.fresh(g).visibility, self.fresh(g).team_id) == ("team", self.team.pk)
        self.login(self.teammate)
        gallery = self.client.get("/team/").content.decode()
        assert all(f"/generations/{g.pk}/" in gallery for g in self.mine[:2])
        assert f"/generations/{self.mine[2].pk}/" not in gallery
        self.login(self.owner)
        page = self.act("private", self.mine)
        assert "3 runs made private." in page.content.decode()
        assert {self.fresh(g).visibility for g in self.mine} == {"private"}
        assert self.fresh(self.theirs).visibility == "team"

    def test_it_shares_only_with_a_team_of_mine(self):
        page = self.act("share", self.mine, team=str(self.other_team.pk))
        assert "Choose one of your teams." in page.content.decode()
        assert {self.fresh(g).visibility for g in self.mine} == {"private"}
        page = self.act("share", self.mine)
        assert "Choose the team to share with." in page.content.decode()

    def test_it_deletes_into_the_trash_and_one_undo_restores_exactly_those(self):
        earlier = self.run_of(self.owner)
        self.act("delete", [earlier])  # already in the trash: Undo must leave it there
        page = self.act("delete", [*self.mine[:2], earlier, self.theirs])
        html = page.content.decode()
        assert "2 runs deleted." in html and ">Undo</button>" in html
        assert all(self.fresh(g).deleted_at for g in self.mine[:2])
        assert self.fresh(self.theirs).deleted_at is None
        history = self.client.get("/history/").content.decode()
        assert f"/generations/{self.mine[0].pk}/" not in history
        # The Undo form, as rendered, posts back exactly the runs this delete moved.
        undo = html.split('value="restore">')[1].split("</form>")[0]
        assert set(re.findall(r'name="ids" value="([0-9a-f-]+)"', undo)) == {
            str(g.pk) for g in self.mine[:2]
        }
        page = self.act("restore", self.mine[:2])
        assert "2 runs restored." in page.content.decode()
        assert all(self.fresh(g).deleted_at is None for g in self.mine[:2])
        assert self.fresh(earlier).deleted_at is not None

    def test_nobody_else_changes_my_runs(self):
        for user in (self.teammate, self.outsider):
            self.login(user)
            for action in ("favourite", "private", "delete"):
                page = self.act(action, self.mine)
                assert "only your own runs can" in page.content.decode()
        assert all(
            (g.favourite, g.deleted_at) == (False, None)
            for g in Run.objects.filter(user=self.owner)
        )

    def test_bad_input_gets_a_message_never_an_error(self):
        cases = [
            {"action": "favourite"},  # nothing selected
            {"action": "favourite", "ids": ["not-a-uuid", "", "123"]},
            {"action": "explode", "ids": [str(self.mine[0].pk)]},
            {"ids": [str(self.mine[0].pk)]},
            {"action": "zip", "ids": [str(uuid.uuid4())]},
            {"action": "share", "ids": [str(self.mine[0].pk)], "team": "abc"},
        ]
        for data in cases:
            page = self.client.post(URL, data, follow=True)
            assert page.status_code == 200, data
            assert 'class="message message-error"' in page.content.decode(), data
        assert not self.fresh(self.mine[0]).favourite
        assert self.client.get(URL).status_code == 405

    def test_it_goes_back_to_the_page_with_its_filters_but_never_off_site(self):
        back = "/team/?q=red&state=completed"
        response = self.act("favourite", self.mine, follow=False, next=back)
        assert response["Location"] == back
        response = self.act("favourite", self.mine, follow=False, next="https://evil.example/")
        assert response["Location"] == "/history/"

    def test_with_htmx_it_answers_with_the_message_and_asks_for_a_redraw(self):
        response = self.act("delete", self.mine, follow=False, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200 and response["HX-Trigger"] == "bulk-done"
        assert html.startswith('<div id="bulk-status"') and "3 runs deleted." in html
        response = self.act("delete", self.mine, follow=False, headers={"HX-Request": "true"})
        assert "HX-Trigger" not in response and "message-error" in response.content.decode()

    def test_it_needs_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.owner)
        data = {"action": "delete", "ids": [str(g.pk) for g in self.mine]}
        assert client.post(URL, data).status_code == 403
        assert all(self.fresh(g).deleted_at is None for g in self.mine)
        page = client.get("/history/").content.decode()
        token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        assert client.post(URL, data | {"csrfmiddlewaretoken": token}).status_code == 302
        assert all(self.fresh(g).deleted_at for g in self.mine)

    def test_the_bar_and_the_boxes_are_on_every_card_but_writes_change_only_mine(self):
        self.act("share", self.mine[:1], team=str(self.team.pk))
        history = self.client.get("/history/").content.decode()
        assert '<form id="bulk-form" method="post" action="/generations/bulk/"' in history
        assert history.count('class="card-pick"') == 3
        self.login(self.teammate)
        gallery = self.client.get("/team/").content.decode()
        assert 'id="bulk-form"' in gallery
        # The teammate may tick my shared run (for a ZIP or a comparison) beside their
        # own, but deleting both takes only their own.
        assert f'value="{self.theirs.pk}" form="bulk-form"' in gallery
        assert f'value="{self.mine[0].pk}" form="bulk-form"' in gallery
        self.act("delete", [self.theirs, self.mine[0]])
        assert self.fresh(self.theirs).deleted_at and not self.fresh(self.mine[0]).deleted_at

    def test_the_zip_refuses_more_runs_than_it_takes(self):
        ids = [str(uuid.uuid4()) for _ in range(bulk.ZIP_MAX_RUNS + 1)]
        page = self.client.post(
            URL, {"action": "zip", "ids": ids, "next": "/history/"}, follow=True
        )
        assert "One ZIP holds at most 100 runs." in page.content.decode()


class BulkZipTests(TrackingTestCase):
    def completed(self, user=None, **overrides) -> Run:
        run = self.start(user=user, **overrides)
        self.finish_upstream(run)
        self.poll(run)
        assert run.state == "completed"
        return run

    @pytest.mark.storage
    def test_it_zips_the_results_of_many_runs_with_names_unique_per_run(self):
        runs = [self.completed() for _ in range(2)]
        shared = self.completed(user=self.teammate, visibility="team", team=str(self.team.pk))
        private = self.completed(user=self.outsider)
        self.login(self.owner)
        data = {"action": "zip", "ids": [str(g.pk) for g in (*runs, shared, private)]}
        response = self.client.post(URL, data)
        assert response["Content-Type"] == "application/zip"
        assert response["Content-Disposition"].startswith('attachment; filename="a1-runs-')
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        # The teammate's shared run is readable, so it goes in; the outsider's does not.
        expected = {
            f"watercolor-portrait-{str(g.pk)[:8]}-{n}.jpg" for g in (*runs, shared) for n in (1, 2)
        }
        assert set(archive.namelist()) == expected
        first = runs[0].results.get(index=0)
        name = f"watercolor-portrait-{str(runs[0].pk)[:8]}-1.jpg"
        with first.file.open("rb") as stored:
            assert archive.read(name) == stored.read()

    @pytest.mark.storage
    def test_it_says_so_when_nothing_chosen_has_a_saved_image(self):
        running = self.start()
        page = self.client.post(
            URL, {"action": "zip", "ids": [str(running.pk)], "next": "/history/"}, follow=True
        )
        assert "None of the selected runs has a saved image" in page.content.decode()
