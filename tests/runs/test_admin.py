"""Staff review in the admin and the app allow-list."""

from generator.models import AppDefinition, Run
from tests.base import WATERCOLOR, TrackingTestCase


class AdminTests(TrackingTestCase):
    def test_staff_review_every_run_with_thumbnails_and_filters(self):
        run = self.start()
        self.finish_upstream(run)
        self.poll(run)
        self.start(user=self.outsider)
        self.login(self.staff)
        listing = self.client.get("/admin/generator/run/").content.decode()
        assert listing.count("/media/results/") >= 1 and "outsider" in listing
        for query in (
            "state__exact=completed",
            "flagged__exact=1",
            f"q={run.task_id}",
            "q=owner",
        ):
            assert self.client.get(f"/admin/generator/run/?{query}").status_code == 200
        detail = self.client.get(f"/admin/generator/run/{run.id}/change/").content.decode()
        assert "generateNum" in detail and run.task_id in detail
        assert "finishDate" in detail  # A1's answer about the task
        assert 'name="task_id"' not in detail  # read-only

    def test_staff_hide_flag_and_restore(self):
        run = self.start()
        self.login(self.staff)
        for action, field, value in [("hide", "hidden", True), ("flag", "flagged", True)]:
            self.client.post(
                "/admin/generator/run/",
                {"action": action, "_selected_action": [run.pk]},
            )
            run.refresh_from_db()
            assert getattr(run, field) is value
        Run.objects.filter(pk=run.pk).update(deleted_at="2026-01-01T00:00:00Z")
        self.client.post(
            "/admin/generator/run/",
            {"action": "restore", "_selected_action": [run.pk]},
        )
        run.refresh_from_db()
        assert run.deleted_at is None

    def test_nobody_starts_a_run_from_the_admin(self):
        self.login(self.staff)
        assert self.client.get("/admin/generator/run/add/").status_code == 403

    def test_the_allow_list_limits_users_to_approved_apps(self):
        with self.settings(APPS_ALLOW_ANY=False):
            self.login(self.owner)
            assert self.client.get(f"/apps/{WATERCOLOR}/").status_code == 403
            self.login(self.staff)
            assert self.client.get(f"/apps/{WATERCOLOR}/").status_code == 200
            AppDefinition.objects.filter(app_id=WATERCOLOR).update(allowed=True)
            self.login(self.owner)
            assert self.client.get(f"/apps/{WATERCOLOR}/").status_code == 200

    def test_staff_look_up_library_apps_entries_and_presets_in_the_admin(self):
        self.login(self.owner)
        self.client.post("/apps/library/add/", {"library": self.team.pk, "apps": WATERCOLOR})
        key = self.form_key(self.form_page())
        data = self.watercolor_post(key, cnet_17466175263110005=None, preset_name="Avatars")
        assert self.client.post(f"/apps/{WATERCOLOR}/presets/", data).status_code == 302
        self.login(self.staff)
        for model in ("libraryapp", "libraryentry", "preset"):
            listing = self.client.get(f"/admin/library/{model}/").content.decode()
            assert "Watercolor portrait" in listing or "Avatars" in listing, model
            # The address they had before the app library became its own app still lands.
            moved = self.client.get(f"/admin/generator/{model}/?q=x")
            assert moved.status_code == 301 and moved["Location"] == f"/admin/library/{model}/?q=x"


class BalanceBannerTests(TrackingTestCase):
    def test_staff_see_the_balance_alert_in_the_admin(self):
        from generator.models import BalanceAlert

        BalanceAlert.objects.create(message="810012")
        self.login(self.staff)
        html = self.client.get("/admin/").content.decode()
        assert "out of points" in html and "Clear the alert" in html
