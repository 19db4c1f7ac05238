"""Who sees a run and its photos: owner, team (when shared), staff; else 404."""

import uuid

from generator.models import Run
from tests.base import BaseTestCase


class AccessTests(BaseTestCase):
    def setUp(self):
        self.login(self.owner)
        key = self.form_key(self.form_page())
        self.submit(data=self.watercolor_post(key))
        self.run = self.only_run()
        self.image = self.run.inputs.get()
        self.client.logout()

    def status(self, user, url):
        self.client.logout()
        if user:
            self.client.force_login(user)
        return self.client.get(url).status_code

    def urls(self):
        return [f"/generations/{self.run.id}/", f"/media/inputs/{self.image.id}"]

    def test_it_shows_a_private_run_only_to_its_owner_and_staff(self):
        for url in self.urls():
            assert self.status(self.owner, url) == 200
            assert self.status(self.staff, url) == 200
            assert self.status(self.teammate, url) == 404
            assert self.status(self.outsider, url) == 404
            assert self.status(None, url) == 302  # to the login page

    def test_it_shows_a_team_run_to_the_team_only(self):
        Run.objects.filter(pk=self.run.pk).update(visibility=Run.Visibility.TEAM, team=self.team)
        for url in self.urls():
            assert self.status(self.teammate, url) == 200
            assert self.status(self.outsider, url) == 404

    def test_it_answers_404_for_ids_that_do_not_exist(self):
        assert self.status(self.owner, f"/generations/{uuid.uuid4()}/") == 404
        assert self.status(self.owner, f"/media/inputs/{uuid.uuid4()}") == 404
        assert self.status(self.owner, "/generations/123/") == 404

    def test_it_serves_photos_privately_and_without_sniffing(self):
        self.client.force_login(self.owner)
        response = self.client.get(f"/media/inputs/{self.image.id}")
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"].startswith("private")
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_it_keeps_uploaded_files_out_of_any_public_url(self):
        self.client.force_login(self.owner)
        assert self.client.get(f"/media/{self.image.file.name}").status_code == 404
        assert self.client.get(f"/media-not-public/{self.image.file.name}").status_code == 404
