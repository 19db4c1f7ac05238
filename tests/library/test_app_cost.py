"""What an app costs, when A1's details do not say it: staff correct it in the library,
and A1's own 324011 to a multi-image run marks a node app. The sandbox leaves out
`appType` and `nodeNum` here (its knob `kind_fields`): names the document never gives.
"""

from __future__ import annotations

from django.db.models import Sum

from generator.models import AppDefinition, LedgerEntry, Run
from generator.runs.definitions import app_fetch
from library.models import LibraryApp
from tests.base import TrackingTestCase, photo
from tests.library.base import HEADSHOT, LibraryMixin

HEADSHOT_PHOTO = "cnet_1838546335507169010"  # a node app of 3 nodes at the sandbox
ONE_PER_RUN = "A1 makes one image per run with this app"


class AppCostTests(LibraryMixin, TrackingTestCase):
    def setUp(self):
        super().setUp()
        self.sandbox.knobs(kind_fields=0)

    def headshot(self, count: int):
        self.login(self.owner)
        key = self.form_key(self.form_page(HEADSHOT))
        data = {"idempotency_key": key, HEADSHOT_PHOTO: photo(), "generate_num": str(count)}
        return self.submit(HEADSHOT, data), key

    def ledger(self, kind: str) -> int:
        return LedgerEntry.objects.filter(kind=kind).aggregate(n=Sum("points"))["n"] or 0

    def staff_charge(self, kind: str, points: int | str) -> None:
        self.login(self.staff)
        row = LibraryApp.objects.get(app_id=HEADSHOT)
        response = self.client.post(
            f"/admin/library/libraryapp/{row.pk}/change/",
            {"charge_kind": kind, "charge_points": str(points)},
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    def test_without_the_fields_a_node_app_reads_as_a_form_app_of_one_point(self):
        self.login(self.owner)
        self.add(HEADSHOT)
        row = LibraryApp.objects.get(app_id=HEADSHOT)
        assert (row.kind, row.cost) == ("form", 1)  # what the portal can know from A1

    def test_staff_set_a_node_apps_points_and_the_portal_quotes_holds_and_charges_them(self):
        self.login(self.owner)
        self.add(HEADSHOT)
        self.staff_charge("node", 3)
        row = LibraryApp.objects.get(app_id=HEADSHOT)
        assert (row.kind, row.cost) == ("node", 3)  # the library's cards say it
        assert AppDefinition.objects.get(app_id=HEADSHOT).cost_source == "staff"
        counts = self.form_page(HEADSHOT).context["form"].fields["generate_num"].choices
        assert [n for n, _label in counts] == [1]  # one image per run offered
        response, key = self.headshot(1)
        assert response.status_code == 302, response.content.decode()[:500]
        run = Run.objects.get(idempotency_key=key)
        assert run.points_quoted == 3 and self.ledger("hold") == 3
        self.finish_upstream(run)
        self.poll(run)
        self.poll(run)
        assert run.state == "completed"
        # Every point explainable: what we spent is what A1 (the sandbox) charged.
        assert self.ledger("spend") == 3 == self.sandbox.stats()["points_spent"]["sandbox"]

    def test_staff_set_points_per_image_for_a_form_app(self):
        self.login(self.owner)
        self.add(HEADSHOT)
        self.staff_charge("form", 2)
        assert LibraryApp.objects.get(app_id=HEADSHOT).cost == 2
        definition = AppDefinition.objects.get(app_id=HEADSHOT)
        assert definition.app.cost(3) == 6 and definition.app.max_images == 4

    def test_a1s_324011_to_several_images_marks_the_app_node_and_says_so(self):
        with self.assertLogs("generator.runs.definitions", "WARNING") as told:
            response, key = self.headshot(2)
        assert response.status_code == 200
        assert ONE_PER_RUN in response.content.decode()
        assert "Staff: check its points per run" in told.output[0]
        # Nothing started, nothing held: the hold was released with the refusal.
        assert not Run.objects.filter(state__in=["running", "completed"]).exists()
        assert self.ledger("hold") + self.ledger("release") == 0
        definition = AppDefinition.objects.get(app_id=HEADSHOT)
        assert (definition.cost_kind, definition.cost_source) == ("node", "a1")
        assert definition.app.max_images == 1
        # The next run is one image, and the app stays marked in the versions to come.
        response, key = self.headshot(1)
        assert response.status_code == 302
        assert Run.objects.get(idempotency_key=key).generate_num == 1
        assert self.sandbox.calls("generate") == 2

    def test_a_new_version_keeps_what_staff_said(self):
        self.login(self.owner)
        self.add(HEADSHOT)
        self.staff_charge("node", 3)
        self.sandbox.bump(HEADSHOT)
        app_fetch(app_id=HEADSHOT, language="en_US", force=True)  # the new version
        for definition in AppDefinition.objects.filter(app_id=HEADSHOT):
            assert definition.app.cost(1) == 3
        assert AppDefinition.objects.filter(app_id=HEADSHOT).count() == 2


GROUP = "1838546335502970884"  # two friends' faces at the sandbox (positionNum 2)
FACES = "cnet_1838546335507168010"


class GroupPhotoTests(LibraryMixin, TrackingTestCase):
    """A group photo's people are `positionNum` at the sandbox, a name the document never
    gives: with the field switched off (its knob `position_fields`), staff say it."""

    def setUp(self):
        super().setUp()
        self.sandbox.knobs(position_fields=0)

    def slots(self) -> list[str]:
        self.login(self.owner)
        fields = self.form_page(GROUP).context["form"].fields
        return [name for name in fields if name.startswith(FACES) and "url" not in name]

    def group_run(self, faces: list[str]):
        page = self.form_page(GROUP)
        style = page.context["form"].fields["style"].choices[-1][0]
        data = {"idempotency_key": self.form_key(page), "style": style, "generate_num": "1"}
        data |= {name: photo(f"{name}.jpg") for name in faces}
        return self.submit(GROUP, data)

    def test_staff_set_the_people_of_a_group_photo_and_the_run_sends_each(self):
        assert self.slots() == [FACES]  # without positionNum: one photo, as A1's answer says
        response = self.group_run([FACES])
        assert response.status_code == 200  # A1 (the sandbox) wants two faces: refused
        assert not Run.objects.filter(state__in=["running", "completed"]).exists()
        self.add(GROUP)
        self.login(self.staff)
        row = LibraryApp.objects.get(app_id=GROUP)
        response = self.client.post(
            f"/admin/library/libraryapp/{row.pk}/change/",
            {"charge_kind": "", "charge_points": "", "people_positions": "2"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert AppDefinition.objects.filter(app_id=GROUP).first().people_positions == 2
        assert self.slots() == [f"{FACES}_p0", f"{FACES}_p1"]  # one photo per person
        response = self.group_run([f"{FACES}_p0", f"{FACES}_p1"])
        assert response.status_code == 302, response.content.decode()[:800]
        run = Run.objects.get(state="running")
        assert sorted(run.inputs.values_list("position", flat=True)) == [0, 1]
        assert self.sandbox.calls("generate") == 2  # refused with one face, taken with two
        # What staff said stays with the versions to come, and can be taken back.
        self.sandbox.bump(GROUP)
        app_fetch(app_id=GROUP, language="en_US", force=True)
        assert all(d.people_positions == 2 for d in AppDefinition.objects.filter(app_id=GROUP))
        self.login(self.staff)
        self.client.post(
            f"/admin/library/libraryapp/{row.pk}/change/",
            {"charge_kind": "", "charge_points": "", "people_positions": ""},
        )
        assert self.slots() == [FACES]
