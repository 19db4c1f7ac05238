"""GET /api/v1/me: the caller, the key in use and what is left to spend."""

from __future__ import annotations

from generator.models import Budget
from tests.api.base import ApiTestCase


class AccountTests(ApiTestCase):
    def test_it_names_the_caller_and_the_key(self):
        Budget.objects.create(user=self.owner, monthly_points=10)
        token = self.key_for(self.owner, monthly_points=5)
        self.start_run(token=token)
        me = self.api("GET", "/me", token=token).json()
        assert me["username"] == "owner"
        assert me["key"]["prefix"] == token[:12] and me["key"]["monthly_points"] == 5
        assert me["key"]["points_this_month"] == 2
        mine = me["allowances"][0]
        assert (mine["budget"], mine["used"], mine["remaining"]) == (10, 2, 8)
        assert token not in str(me)
