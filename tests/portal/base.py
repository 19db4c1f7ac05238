"""The base test case: four people and two teams, and the portal wired to the sandbox."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import TestCase

from generator.models import Generation, Membership, Team
from tests.conftest import SandboxHandle, image_bytes

WATERCOLOR = "1838546335502970881"
PASSWORD = "correct horse battery staple"


class BaseTestCase(TestCase):
    """owner and teammate share a team; outsider is in another team; staff sees all."""

    sandbox: SandboxHandle

    @classmethod
    def setUpTestData(cls):
        User = get_user_model()
        cls.owner = User.objects.create_user("owner", password=PASSWORD)
        cls.teammate = User.objects.create_user("teammate", password=PASSWORD)
        cls.outsider = User.objects.create_user("outsider", password=PASSWORD)
        # Staff review in the admin, which needs its permissions: a superuser has them all.
        cls.staff = User.objects.create_user(
            "staff", password=PASSWORD, is_staff=True, is_superuser=True
        )
        cls.team = Team.objects.create(name="Studio")
        cls.other_team = Team.objects.create(name="Elsewhere")
        Membership.objects.create(team=cls.team, user=cls.owner, role="manager")
        Membership.objects.create(team=cls.team, user=cls.teammate)
        Membership.objects.create(team=cls.other_team, user=cls.outsider)

    @pytest.fixture(autouse=True)
    def _use_sandbox(self, sandbox, settings):
        settings.A1_BASE_URL = sandbox.url
        settings.A1_API_KEY = "sandbox"
        settings.IMAGE_URL_ALLOW_PRIVATE = True  # the sandbox serves images from loopback
        self.sandbox = sandbox

    def login(self, user=None):
        self.client.force_login(user or self.owner)

    # --- helpers for the app form ---------------------------------------------

    def form_page(self, app_id=WATERCOLOR, **extra):
        response = self.client.get(f"/apps/{app_id}/", **extra)
        assert response.status_code == 200, response.content[:500]
        return response

    def form_key(self, response) -> str:
        match = re.search(rb'name="idempotency_key" value="([0-9a-f-]+)"', response.content)
        assert match, "the form has no idempotency key"
        return match.group(1).decode()

    def watercolor_post(self, key: str, **overrides) -> dict:
        data = {
            "idempotency_key": key,
            "cnet_17466175263110005": photo("face.jpg"),
            "desc_1838546335507165192": "red",
            "style": "183854633550716522",
            "size": "6",
            "generate_num": "2",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    def submit(self, app_id=WATERCOLOR, data=None, **extra):
        return self.client.post(f"/apps/{app_id}/", data, **extra)

    def only_generation(self) -> Generation:
        (generation,) = Generation.objects.all()
        return generation


def photo(name="face.jpg", fmt="JPEG", size=(300, 400), **save):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = image_bytes(fmt, size=size, **save) if fmt else b""
    return SimpleUploadedFile(name, content)
