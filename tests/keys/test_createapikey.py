"""manage.py createapikey: prints one new key, refuses what it cannot do."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from generator.keys import services as keys
from generator.models import ApiKey
from tests.base import BaseTestCase


class CreateApiKeyTests(BaseTestCase):
    def test_it_prints_a_working_key(self):
        out = StringIO()
        call_command("createapikey", "--user", "owner", "--name", "cron", stdout=out)
        token = out.getvalue().strip()
        key = keys.key_authenticate(token=token)
        assert key.user == self.owner and key.name == "cron"

    def test_it_refuses_a_user_it_does_not_know(self):
        with pytest.raises(CommandError, match="no user"):
            call_command("createapikey", "--user", "nobody", "--name", "x")
        assert ApiKey.objects.count() == 0
