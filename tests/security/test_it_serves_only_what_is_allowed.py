"""Every page and media endpoint, for every role: owner, teammate, other team, staff, nobody."""

from generator.models import InputImage, ResultImage, Run
from tests.base import TrackingTestCase

ROLES = ("anonymous", "owner", "teammate", "outsider", "staff")


class AccessMatrixTests(TrackingTestCase):
    def setUp(self):
        self.private = self.start()
        self.shared = self.start(visibility="team", team=str(self.team.id))
        for run in (self.private, self.shared):
            self.finish_upstream(run)
            self.poll(run)
        self.client.logout()

    def status(self, role, url):
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(getattr(self, role))
        return self.client.get(url).status_code

    def urls_of(self, run):
        result = ResultImage.objects.filter(run=run).first()
        photo = InputImage.objects.filter(run=run).first()
        return [
            f"/generations/{run.id}/",
            f"/generations/{run.id}/progress/",
            f"/generations/{run.id}/download.zip",
            f"/media/results/{result.id}",
            f"/media/results/{result.id}/thumb",
            f"/media/results/{result.id}?download=1",
            f"/media/inputs/{photo.id}",
            f"/apps/{run.app_id}/?remix={run.id}",
        ]

    def test_the_matrix(self):
        expected = {
            "private": {
                "anonymous": 302,
                "owner": 200,
                "teammate": 404,
                "outsider": 404,
                "staff": 200,
            },
            "shared": {
                "anonymous": 302,
                "owner": 200,
                "teammate": 200,
                "outsider": 404,
                "staff": 200,
            },
        }
        for label, run in (("private", self.private), ("shared", self.shared)):
            for url in self.urls_of(run):
                for role in ROLES:
                    assert self.status(role, url) == expected[label][role], (label, url, role)

    def test_pages_need_a_login_and_staff_pages_need_staff(self):
        for url in ("/apps/", "/history/", "/team/", "/enhance/", "/usage/"):
            assert self.status("anonymous", url) == 302, url
        assert self.status("owner", "/usage/") == 200  # their own figures only
        assert self.status("staff", "/usage/") == 200
        assert self.status("owner", "/admin/") == 302

    def test_deleted_runs_vanish_for_the_team_too(self):
        Run.objects.filter(pk=self.shared.pk).update(deleted_at="2026-01-01T00:00:00Z")
        for url in self.urls_of(self.shared):
            assert self.status("teammate", url) == 404, url
            assert self.status("owner", url) == 404, url

    def test_a_teammate_who_opened_a_remix_loses_the_photo_with_the_run(self):
        photo = self.shared.inputs.get()
        assert self.status("teammate", f"/apps/{self.shared.app_id}/?remix={self.shared.id}") == 200
        assert not InputImage.objects.filter(owner=self.teammate).exists()  # nothing copied
        for change in ({"deleted_at": "2026-01-01T00:00:00Z"}, {"hidden": True}):
            Run.objects.filter(pk=self.shared.pk).update(**change)
            assert self.status("teammate", f"/media/inputs/{photo.id}") == 404, change
            Run.objects.filter(pk=self.shared.pk).update(deleted_at=None, hidden=False)
