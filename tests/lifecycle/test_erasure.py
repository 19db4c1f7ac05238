"""Erasure: no row and no file of the person is left; their teams' totals do not change."""

import re
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection, models
from django.utils import timezone

from common.images import normalise
from generator.batches import pacing as batch_pacing
from generator.batches import services as batches
from generator.files.audit import storage_audit
from generator.keys import services as keys
from generator.models import ApiKey, Batch, Budget, InputImage, Membership, ResultImage, Run
from generator.money import budgets, usage
from generator.runs import copying, photos
from generator.runs.definitions import app_fetch
from generator.runs.inputs import RunChoices
from generator.schedules.models import Chore
from generator.teams import services as teams
from library.models import LibraryEntry, Preset
from lifecycle import erasure, exports, retention
from lifecycle.models import DataExport, RemovalLog
from tests.base import PASSWORD, WATERCOLOR, TrackingTestCase
from tests.conftest import image_bytes

pytestmark = pytest.mark.storage
User = get_user_model()


def traces_of(person, ids: set[str]) -> list[str]:
    """Every row that still names the person: in a column pointing at users, or by their
    user name, email address or the id of anything of theirs anywhere in the row (all
    tables, read raw). Sessions are decoded, since their data is signed and encoded."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            remote = getattr(field, "remote_field", None)
            if remote is not None and remote.model is User:
                hits = model._default_manager.filter(**{field.attname: person.pk}).count()
                if hits:
                    found.append(f"{model._meta.label}.{field.name}: {hits} row(s)")
    needles = {person.get_username(), person.email} | ids
    needles |= {uuid.UUID(i).hex for i in ids if re.fullmatch(r"[0-9a-f-]{36}", i)}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table.startswith("sqlite_"):
                continue
            # Table names come from the database itself, quoted by the backend.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row)
                found += [f"{table}: {n!r} in {text[:200]}" for n in needles if n in text]
    for session in Session.objects.all():
        if session.get_decoded().get("_auth_user_id") == str(person.pk):
            found.append(f"session {session.pk}")
    return found


class ErasureTests(TrackingTestCase):
    def setUp(self):
        super().setUp()
        self.erin = User.objects.create_user(
            "erin-erasable", email="erin@example.test", password=PASSWORD
        )
        Membership.objects.create(team=self.team, user=self.erin, role="manager")

    def erins_world(self) -> dict:
        """Erin's work and everything that points at her, made the way users make it."""
        shared = self.finished(user=self.erin)
        self.client.post(
            f"/generations/{shared.id}/share/", {"visibility": "team", "team": self.team.id}
        )
        private = self.finished(user=self.erin, state="failed")
        trashed = self.finished(user=self.erin)
        self.client.post(f"/generations/{trashed.id}/delete/")
        key = self.form_key(self.form_page())
        self.submit(data=self.watercolor_post(key, style="not-a-style"))  # a photo kept, unused
        teams.invite_create(team=self.team, by=self.erin)
        Budget.objects.create(user=self.erin, monthly_points=100)
        export = exports.export_request(user=self.erin, requested_by=self.erin)
        exports.build_exports.call()
        LogEntry.objects.log_actions(
            user_id=self.staff.pk, queryset=[self.erin], action_flag=CHANGE, single_object=True
        )
        # A teammate remixes Erin's shared run with her photo, and enhances one of her images.
        self.login(self.owner)
        remix_page = self.client.get(f"/apps/{WATERCOLOR}/?remix={shared.id}")
        staged = re.search(
            r'name="(cnet_\d+)_staged" value="([0-9a-f-]+)"', remix_page.content.decode()
        )
        assert staged is not None
        data = self.watercolor_post(self.form_key(remix_page), cnet_17466175263110005=None)
        data[f"{staged.group(1)}_staged"] = staged.group(2)
        assert self.submit(data=data).status_code == 302
        remix = Run.objects.filter(user=self.owner).get()
        result = shared.results.first()
        assert result is not None
        self.client.post(
            "/enhance/", {"result": str(result.id), "idempotency_key": str(uuid.uuid4())}
        )
        enhancement = Run.objects.get(kind=Run.Kind.ENHANCE)
        self.finish_upstream(enhancement)
        self.poll(enhancement)
        runs = [shared, private, trashed]
        files: list[str | None] = [name for run in runs for name in self.files_of(run)]
        files += list(
            InputImage.objects.filter(owner=self.erin, run=None).values_list("file", flat=True)
        )
        files.append(DataExport.objects.get(pk=export.pk).file.name)
        ids = {str(run.id) for run in runs} | {str(export.id)}
        ids |= {
            str(i) for i in InputImage.objects.filter(owner=self.erin).values_list("pk", flat=True)
        }
        ids |= {
            str(i) for i in ResultImage.objects.filter(run__in=runs).values_list("pk", flat=True)
        }
        return {
            "runs": runs,
            "files": files,
            "ids": ids,
            "remix": remix,
            "enhancement": enhancement,
        }

    def test_erasure_leaves_no_row_and_no_file_of_the_person_and_keeps_the_teams_totals(self):
        world = self.erins_world()
        assert all(self.stored(name) for name in world["files"])
        assert traces_of(self.erin, world["ids"])  # the scan finds her before
        team_before = [a.used for a in budgets.allowances(user=self.owner)]
        usage_before = usage.usage_month()
        self.login(self.erin)
        page = self.client.get("/account/").content.decode()
        assert "3 runs" in page and "1 of them shared with a team" in page
        response = self.client.post("/account/delete/", {"username": "erin-erasable"})
        assert response["Location"] == "/accounts/login/"
        assert (
            "Your account and everything in it were deleted"
            in self.client.get(response["Location"]).content.decode()
        )
        assert traces_of(self.erin, world["ids"]) == []
        assert not any(self.stored(name) for name in world["files"])
        assert [a.used for a in budgets.allowances(user=self.owner)] == team_before
        usage_after = usage.usage_month()
        assert usage_after.total == usage_before.total
        assert usage_after.by_team == usage_before.by_team
        assert ("(erased accounts)", 4) in usage_after.by_user  # 2 completed runs, 2 points each
        self.client.logout()
        refused = self.client.post(
            "/accounts/login/", {"username": "erin-erasable", "password": PASSWORD}
        )
        assert refused.status_code == 200 and "_auth_user_id" not in self.client.session
        log = RemovalLog.objects.get(job=RemovalLog.Job.ERASURE)
        assert log.counts["runs"] == 3 and log.counts["shared runs"] == 1
        assert log.by_staff is None

    def test_the_teammates_remix_and_enhancement_say_what_went(self):
        world = self.erins_world()
        erasure.user_erase(user=self.erin)
        self.login(self.owner)
        remix = self.client.get(world["remix"].get_absolute_url()).content.decode()
        assert "The photos given for this run were removed on" in remix
        assert not world["remix"].inputs.exists()
        enhanced = self.client.get(world["enhancement"].get_absolute_url()).content.decode()
        assert "The image before enhancing is no longer kept" in enhanced
        assert world["enhancement"].results.exists()  # the teammate's own image stays

    def test_a_wrong_user_name_deletes_nothing(self):
        self.finished(user=self.erin)
        self.login(self.erin)
        response = self.client.post("/account/delete/", {"username": "Erin-erasable"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "That is not the user name erin-erasable, so nothing was deleted." in html
        assert 'aria-invalid="true"' in html
        assert User.objects.filter(pk=self.erin.pk, is_active=True).exists()
        assert Run.objects.filter(user=self.erin).count() == 1

    def test_a_copy_finishing_after_the_erasure_keeps_no_file(self):
        run = self.start(user=self.erin)
        result = ResultImage.objects.create(run=run, index=0, upstream_url="http://x/1.png")
        late = copying.Fetched(
            result,
            content=image_bytes(),
            thumbnail=image_bytes("WEBP"),
            format="JPEG",
            size=(64, 48),
        )
        erasure.user_erase(user=self.erin)
        copying._store(late)
        assert not ResultImage.objects.exists()  # and the autouse check finds no stray file

    def test_a_scripts_keys_batches_runs_library_and_presets_go_with_the_person(self):
        key, _token = keys.key_create(user=self.erin, name="nightly", webhook_url="")
        self.login(self.erin)
        # A batch started with her key (its runs carry the key), a preset, a library entry.
        batch = self.prepared_batch(user=self.erin, api_key=key)
        data = self.watercolor_post(self.form_key(self.form_page()), cnet_17466175263110005=None)
        self.client.post(f"/apps/{WATERCOLOR}/presets/", data | {"preset_name": "Erin's"})
        self.client.post("/apps/library/add/", {"library": "personal", "apps": WATERCOLOR})
        assert Preset.objects.filter(owner=self.erin).exists()
        assert LibraryEntry.objects.filter(owner=self.erin).exists()
        assert Run.objects.filter(api_key=key).exists()
        ids = {str(batch.pk), key.prefix} | {
            str(p.pk) for p in Preset.objects.filter(owner=self.erin)
        }
        erasure.user_erase(user=User.objects.get(pk=self.erin.pk))  # self.erin keeps its pk
        assert traces_of(self.erin, ids) == []
        assert not ApiKey.objects.filter(pk=key.pk).exists()
        assert not Batch.objects.filter(pk=batch.pk).exists()

    def prepared_batch(self, *, user, api_key) -> Batch:
        """Two items started with the key and sent, as the worker's pacer sends them."""
        definition = app_fetch(app_id=WATERCOLOR, language="en_US")
        photo = photos.photo_keep(user=user, image=normalise(image_bytes(size=(300, 400))))
        batch, _created = batches.batch_create(
            user=user,
            definition=definition,
            choices=RunChoices(style="183854633550716522", size="1"),
            items=[
                batches.ItemSpec(label=f"p{n}", photos={"cnet_17466175263110005": photo})
                for n in range(2)
            ],
            api_key=api_key,
        )
        batches.batch_start(batch=batch, api_key=api_key)
        for _ in range(2):
            Chore.objects.filter(name=batch_pacing.SLOT).update(next_run=timezone.now())
            batch_pacing.batches_send_tick()
        return batch


class StaffErasureTests(TrackingTestCase):
    def test_staff_erase_a_person_after_typing_their_name(self):
        run = self.finished(user=self.teammate)
        Run.objects.filter(pk=run.pk).update(visibility="team")
        self.login(self.staff)
        page = self.client.get(f"/staff/people/{self.teammate.pk}/erase/").content.decode()
        assert "1 run" in page and "1 of them shared with a team" in page
        wrong = self.client.post(f"/staff/people/{self.teammate.pk}/erase/", {"username": "x"})
        assert wrong.status_code == 200 and User.objects.filter(pk=self.teammate.pk).exists()
        done = self.client.post(
            f"/staff/people/{self.teammate.pk}/erase/", {"username": "teammate"}
        )
        assert done["Location"] == "/staff/data/"
        assert not User.objects.filter(username="teammate").exists()
        log = RemovalLog.objects.get(job=RemovalLog.Job.ERASURE)
        assert log.by_staff == self.staff
        listing = self.client.get("/staff/data/").content.decode()
        assert "Account erased" in listing and "by staff" in listing and "teammate" not in listing

    def test_the_admin_sends_deleting_a_person_to_erasure(self):
        self.login(self.staff)
        response = self.client.get(f"/admin/auth/user/{self.outsider.pk}/delete/")
        assert response["Location"] == f"/staff/people/{self.outsider.pk}/erase/"
        action = self.client.post(
            "/admin/auth/user/", {"action": "erase", "_selected_action": [self.outsider.pk]}
        )
        assert action["Location"] == f"/staff/people/{self.outsider.pk}/erase/"
        actions = self.client.get("/admin/auth/user/").content.decode()
        assert 'value="delete_selected"' not in actions

    def test_only_staff_erase_others_and_only_superusers_erase_superusers(self):
        self.login(self.owner)
        response = self.client.post(
            f"/staff/people/{self.teammate.pk}/erase/", {"username": "teammate"}
        )
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert User.objects.filter(username="teammate").exists()
        clerk = User.objects.create_user("clerk", password=PASSWORD, is_staff=True)
        self.login(clerk)
        assert self.client.get(f"/staff/people/{self.staff.pk}/erase/").status_code == 404
        assert self.client.get(f"/staff/people/{clerk.pk}/erase/")["Location"] == "/account/"


def test_every_relation_to_a_person_is_removed_or_emptied_by_erasure():
    """A model added later that points at users must go with them (or let go of them):
    erasure walks these relations generically, but a PROTECT one would stop it."""
    refusing = [
        f"{rel.related_model._meta.label}.{rel.field.name}"
        for rel in User._meta.related_objects
        if rel.on_delete in (models.PROTECT, models.RESTRICT)
    ]
    assert refusing == ["generator.Run.user"]  # removed first, run by run


class PhotoOwnerTests(TrackingTestCase):
    """A photo belongs to the person who gave it: a teammate who remixed it, or named it in
    a batch, only refers to it, and erasing the teammate takes only their references."""

    def remixed_by_teammate(self) -> tuple[Run, Run]:
        """The owner's run, shared with the team, remixed by the teammate with its photo
        through the app form (the photo's id comes back in the remix page)."""
        original = self.finished(user=self.owner)
        self.client.post(
            f"/generations/{original.id}/share/", {"visibility": "team", "team": self.team.id}
        )
        self.login(self.teammate)
        remix_page = self.client.get(f"/apps/{WATERCOLOR}/?remix={original.id}")
        staged = re.search(
            r'name="(cnet_\d+)_staged" value="([0-9a-f-]+)"', remix_page.content.decode()
        )
        assert staged is not None
        data = self.watercolor_post(self.form_key(remix_page), cnet_17466175263110005=None)
        data[f"{staged.group(1)}_staged"] = staged.group(2)
        assert self.submit(data=data).status_code == 302
        remix = Run.objects.get(user=self.teammate)
        self.finish_upstream(remix)
        self.poll(remix)
        assert remix.inputs.get().file.name == original.inputs.get().file.name  # one file
        return original, remix

    def assert_the_owner_still_sees_their_photo(self, original: Run, photo) -> None:
        self.login(self.owner)
        page = self.client.get(original.get_absolute_url()).content.decode()
        assert "The photos given for this run were removed" not in page
        assert f"/media/inputs/{photo.id}" in page
        assert self.client.get(f"/media/inputs/{photo.id}").status_code in (200, 302)
        assert self.stored(photo.file.name)
        assert storage_audit().clean

    def test_it_keeps_the_owners_photo_when_the_teammate_who_remixed_it_deletes_their_account(
        self,
    ):
        original, remix = self.remixed_by_teammate()
        photo = original.inputs.get()
        self.login(self.teammate)
        response = self.client.post("/account/delete/", {"username": "teammate"})
        assert response["Location"] == "/accounts/login/"
        assert not Run.objects.filter(pk=remix.pk).exists()
        self.assert_the_owner_still_sees_their_photo(original, photo)

    def test_it_keeps_the_owners_photo_when_staff_erase_the_teammate_who_remixed_it(self):
        original, remix = self.remixed_by_teammate()
        photo = original.inputs.get()
        self.login(self.staff)
        page = self.client.get(f"/staff/people/{self.teammate.pk}/erase/").content.decode()
        done = self.client.post(
            f"/staff/people/{self.teammate.pk}/erase/", {"username": "teammate"}
        )
        assert done["Location"] == "/staff/data/"
        assert not Run.objects.filter(pk=remix.pk).exists()
        self.assert_the_owner_still_sees_their_photo(original, photo)
        # The confirmation counted no photo of theirs: the remix's photo is the owner's.
        assert "1 run" in page and "0 photos given" in page

    def test_it_erases_the_owners_photo_with_the_copies_teammates_made_of_it(self):
        original, remix = self.remixed_by_teammate()
        photo = original.inputs.get()
        self.login(self.owner)
        page = self.client.get("/account/").content.decode()
        assert "1 photo given" in page
        assert self.client.post("/account/delete/", {"username": "owner"}).status_code == 302
        assert not InputImage.objects.filter(file=photo.file.name).exists()
        assert not self.stored(photo.file.name)
        self.login(self.teammate)
        page = self.client.get(remix.get_absolute_url()).content.decode()
        assert "The photos given for this run were removed on" in page
        assert remix.results.exists()  # the teammate's own images stay
        assert storage_audit().clean

    def test_it_still_knows_whose_photo_it_is_after_the_owners_own_run_is_purged(self):
        original, remix = self.remixed_by_teammate()
        photo = remix.inputs.get()
        self.login(self.owner)
        self.client.post(f"/generations/{original.id}/delete/")
        later = timezone.now() + timedelta(days=settings.TRASH_DAYS + 1)
        retention.retention_sweep(now=later)
        assert not Run.objects.filter(pk=original.pk).exists()
        self.login(self.teammate)
        page = self.client.get(remix.get_absolute_url()).content.decode()
        assert f"/media/inputs/{photo.id}" in page  # the remix keeps the photo it used
        assert self.stored(photo.file.name)
        erasure.user_erase(user=self.owner)  # whose face it is did not change
        page = self.client.get(remix.get_absolute_url()).content.decode()
        assert "The photos given for this run were removed on" in page
        assert not self.stored(photo.file.name)
