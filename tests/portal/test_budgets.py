"""Monthly budgets and the account-balance alert: refused before anything reaches A1."""

from generator.models import BalanceAlert, Budget, Generation
from tests.portal.tracking_base import TrackingTestCase


class BudgetTests(TrackingTestCase):
    def test_it_refuses_a_run_over_the_users_budget_before_uploading(self):
        Budget.objects.create(user=self.owner, monthly_points=3)
        self.start()  # 2 points
        self.login()
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key))  # 2 more: over 3
        assert response.status_code == 200
        assert "you have 1 of your 3 points left this month" in response.content.decode()
        stats = self.sandbox.stats()["calls"]
        assert stats["upload"] == 1 and stats["generate"] == 1  # nothing sent for the second

    def test_it_refuses_a_run_over_the_teams_budget(self):
        Budget.objects.create(team=self.team, monthly_points=2)
        self.start(user=self.teammate)
        self.login(self.owner)
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key, generate_num="1"))
        assert "the team Studio has 0 of its 2 points left" in response.content.decode()

    def test_failed_runs_do_not_count_and_open_runs_do(self):
        Budget.objects.create(user=self.owner, monthly_points=4)
        failed = self.start()
        self.finish_upstream(failed, "failed")
        self.poll(failed)
        self.start()  # running: its 2 points are held
        html = self.client.get("/history/").content.decode()
        assert "2 points used this month" in html and "2 of 4 left" in html

    def test_it_pauses_new_runs_after_a1_reports_no_balance_until_staff_clear_it(self):
        self.sandbox.set_balance(0)
        self.login()
        key = self.form_key(self.form_page())
        self.submit(data=self.watercolor_post(key))
        assert BalanceAlert.objects.filter(cleared_at__isnull=True).count() == 1
        self.sandbox.set_balance(100)
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key))
        assert b"New runs are paused" in response.content
        assert self.sandbox.calls("generate") == 1
        self.login(self.staff)
        assert b"Clear the alert" in self.client.get("/apps/").content
        self.client.post(
            "/admin/generator/balancealert/",
            {"action": "clear", "_selected_action": [BalanceAlert.objects.get().pk]},
        )
        assert not BalanceAlert.objects.filter(cleared_at__isnull=True).exists()
        self.login(self.owner)
        key = self.form_key(self.form_page())
        assert self.submit(data=self.watercolor_post(key)).status_code == 302
        assert Generation.objects.count() == 1
