"""Someone hears before money runs out: 80% and 100% of a budget (a person's, a team's,
a key's) and the A1 account's balance, each told once per period, by e-mail, to the
key's webhook, and as a banner to the people concerned."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Profile
from generator.keys import services as keys
from generator.models import (
    AccountBalance,
    Budget,
    LedgerEntry,
    SpendAlert,
    WebhookDelivery,
)
from generator.money import alerts, ledger
from generator.money.budgets import balance_alert_raise
from tests.base import TrackingTestCase
from tests.mailbox import Mailbox, body_of


class SpendAlertTests(TrackingTestCase):
    mailbox: Mailbox

    @pytest.fixture(autouse=True)
    def _smtp(self, mailbox):
        self.mailbox = mailbox  # a real SMTP server the portal sends to

    def setUp(self):
        super().setUp()
        for person in (self.owner, self.teammate, self.staff):
            person.email = f"{person.username}@corp.test"
            person.save(update_fields=["email"])

    def cost(self) -> int:
        """What one run of the test's form costs (measured, not assumed), billed to
        the owner and Studio."""
        return self.finished(user=self.owner).points_spent or 0

    def told(self) -> list[tuple[list[str], str]]:
        """Check (as the chore does every minute), send (as the worker's job does), and
        return the e-mails that went out since the last look."""
        for alert in alerts.spend_alerts_check():
            alerts.spend_alert_send(alert_id=alert.pk)
        out = [(sorted(str(m["To"]).split(", ")), body_of(m)) for m in self.mailbox.messages]
        self.mailbox.messages.clear()
        return out

    def test_a_team_budget_tells_its_managers_at_80_and_100_percent_once_each(self):
        per_run = self.cost()
        Budget.objects.create(team=self.team, monthly_points=per_run * 5)
        for _ in range(2):
            self.finished(user=self.teammate)
        assert self.told() == []  # 3 of 5: 60%
        self.finished(user=self.teammate)
        [(to, body)] = self.told()
        assert to == ["owner@corp.test"]  # the team's manager, not the member who spent
        assert "The monthly budget of team Studio is 80% used" in body
        self.finished(user=self.owner)
        [(to, body)] = self.told()
        assert to == ["owner@corp.test"] and "The monthly budget of team Studio is used up" in body
        assert self.told() == []  # nothing twice, however often the chore runs
        assert sorted(SpendAlert.objects.values_list("threshold", flat=True)) == [80, 100]
        self.login(self.teammate)  # a member sees the banner too
        assert "The monthly budget of team Studio is used up" in (
            self.client.get("/history/").content.decode()
        )

    def test_a_budget_passed_at_once_is_told_once_and_shows_a_banner_to_its_person(self):
        per_run = self.cost()
        Budget.objects.create(user=self.teammate, monthly_points=per_run)
        self.login(self.teammate)
        assert "Your monthly budget" not in self.client.get("/history/").content.decode()
        self.finished(user=self.teammate)
        [(to, body)] = self.told()  # 80% and 100% at once: one e-mail, the higher
        assert to == ["teammate@corp.test"] and "Your monthly budget is used up" in body
        self.login(self.teammate)
        assert "Your monthly budget is used up" in self.client.get("/history/").content.decode()
        self.login(self.outsider)
        assert "Your monthly budget" not in self.client.get("/history/").content.decode()

    def test_a_key_budget_goes_to_its_owner_and_its_webhook(self):
        key, _token = keys.key_create(
            user=self.owner, name="ci", monthly_points=1, webhook_url="http://127.0.0.1:9/hook"
        )
        self.finished(user=self.owner)  # a run from the form: not the key's
        assert self.told() == []
        # A run a script started with the key is billed to it (the REST API's path).
        run = self.start(user=self.owner)
        LedgerEntry.objects.filter(run_id=run.pk).update(api_key=key)
        ledger.ledger_months_rebuild()  # the month totals follow the entries they count
        [(to, body)] = self.told()
        assert to == ["owner@corp.test"]
        assert f"The monthly budget of key {key.prefix} is used up" in body
        delivery = WebhookDelivery.objects.get(event="budget.alert")
        budget = delivery.payload["budget"]
        assert (budget["scope"], budget["threshold_percent"], budget["limit"]) == ("key", 100, 1)

    def test_staff_hear_when_the_account_runs_low_and_on_the_first_810012(self):
        per_run = self.cost()
        AccountBalance.objects.create(points=per_run * 5, as_of=timezone.now())
        for _ in range(3):
            self.finished(user=self.owner)
        assert self.told() == []  # 3 of 5 spent since staff entered the balance
        self.finished(user=self.owner)
        [(to, body)] = self.told()
        assert to == ["staff@corp.test"]
        assert f"The A1 account has used {per_run * 4} of the {per_run * 5} points" in body
        balance_alert_raise(message="A1: 810012")
        balance_alert_raise(message="A1: 810012")  # a second worker hears it too
        [out] = SpendAlert.objects.filter(threshold=101)
        alerts.spend_alert_send(alert_id=out.pk)
        [(to, body)] = self.told()
        assert to == ["staff@corp.test"] and "out of points" in body

    def test_each_person_is_told_in_the_language_they_chose(self):
        colleague = type(self.staff).objects.create_user(
            "yuki", email="yuki@corp.test", is_staff=True
        )
        Profile.objects.create(user=colleague, language="ja")
        balance_alert_raise(message="A1: 810012")
        [out] = SpendAlert.objects.filter(threshold=101)
        alerts.spend_alert_send(alert_id=out.pk)
        mails = {str(m["To"]): (str(m["Subject"]), body_of(m)) for m in self.mailbox.messages}
        assert mails["staff@corp.test"][0] == "A1 Studio: spending alert"
        assert "out of points" in mails["staff@corp.test"][1]
        assert mails["yuki@corp.test"][0] == "A1 Studio：利用額のお知らせ"
        assert "out of points" not in mails["yuki@corp.test"][1]

    def test_no_email_server_means_no_email_but_the_banner_and_webhook_still(self):
        with self.settings(EMAIL_CONFIGURED=False):
            per_run = self.cost()
            Budget.objects.create(user=self.owner, monthly_points=per_run)
            assert self.told() == []
        assert SpendAlert.objects.filter(scope="person", threshold=100).exists()
        assert "Your monthly budget is used up" in self.client.get("/history/").content.decode()
