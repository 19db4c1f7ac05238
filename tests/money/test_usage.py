"""/usage/: points per day with axes, a legend and a table; a chosen period; CSV."""

import csv
import io

from django.utils import timezone

from generator.models import LedgerEntry, Run, Team
from tests.base import TrackingTestCase, backdate


class UsageTests(TrackingTestCase):
    def finished_run(self, user=None, **overrides) -> Run:
        run = self.start(user=user, **overrides)
        self.finish_upstream(run)
        self.poll(run)
        return run

    def test_staff_see_everyone_with_axes_labels_legend_and_tables(self):
        self.finished_run()
        self.finished_run(user=self.teammate)
        self.start(user=self.outsider)  # still running: held, not spent
        self.login(self.staff)
        html = self.client.get("/usage/", {"split": "user"}).content.decode()
        assert "Points used by everyone" in html
        assert "<dd>4</dd>" in html and "<dd>2</dd>" in html  # spent, held
        assert 'class="axis"' in html and 'text-anchor="end"' in html  # y axis numbers
        today = timezone.localdate()
        assert f">{today:%b} {today.day}<" in html or f">{today.day}<" in html  # day labels
        assert 'class="legend"' in html and "owner (2)" in html and "teammate (2)" in html
        assert '<th scope="col">User</th>' in html and '<th scope="col">App</th>' in html
        assert "<desc" in html and "4 points in all" in html

    def test_a_member_sees_only_their_own_usage(self):
        self.finished_run()
        self.finished_run(user=self.teammate)
        self.login(self.owner)
        response = self.client.get("/usage/")
        html = response.content.decode()
        assert response.status_code == 200 and "Your points" in html
        assert "<dd>2</dd>" in html and "teammate" not in html
        assert "By user" not in html
        assert 'value="user"' not in html  # no split by user for them

    def test_an_empty_period_says_so_instead_of_a_blank_chart(self):
        self.login(self.staff)
        html = self.client.get("/usage/").content.decode()
        assert "No points were spent in this period." in html
        assert "<rect" not in html

    def test_it_shows_a_chosen_month_or_range(self):
        run = self.finished_run()
        backdate(run, timezone.now().replace(year=2025, month=3, day=14))
        self.login(self.staff)
        march = self.client.get("/usage/", {"month": "2025-03"}).content.decode()
        assert "1 Mar 2025 to 31 Mar 2025" in march and "<dd>2</dd>" in march
        assert ">14 Mar<" in march  # a row of the table alternative
        days = self.client.get(
            "/usage/", {"date_from": "2025-03-15", "date_to": "2025-03-20"}
        ).content.decode()
        assert "<dd>0</dd>" in days and "15 Mar 2025 to 20 Mar 2025" in days

    def test_a_backwards_range_is_explained_beside_the_field(self):
        self.login(self.staff)
        response = self.client.get("/usage/", {"date_from": "2025-03-20", "date_to": "2025-03-01"})
        assert response.status_code == 200
        assert 'id="id_date_to_error"' in response.content.decode()
        assert "The end is before the start." in response.content.decode()

    def test_it_exports_the_days_as_csv(self):
        self.finished_run()
        self.finished_run(user=self.teammate)
        self.login(self.staff)
        response = self.client.get("/usage/", {"split": "user", "format": "csv"})
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["Day", "owner", "teammate", "Total"]
        today = timezone.localdate().isoformat()
        assert [today, "2", "2", "4"] in rows and rows[-1] == ["Total", "2", "2", "4"]
        first = timezone.localdate().replace(day=1)
        assert rows[1][0] == first.isoformat()
        assert len(rows) == 2 + (timezone.localdate() - first).days + 1

    def test_csv_names_never_run_as_spreadsheet_formulas(self):
        self.finished_run()  # billed to the owner's team, which staff then rename
        Team.objects.filter(pk=self.team.pk).update(name="=HYPERLINK(1)")
        self.login(self.staff)
        body = self.client.get("/usage/", {"format": "csv", "split": "team"}).content.decode()
        assert "'=HYPERLINK(1)" in body

    def test_many_names_fold_into_other(self):
        for n in range(9):  # nine apps' spending, as the ledger records it
            LedgerEntry.objects.create(
                kind=LedgerEntry.Kind.SPEND,
                points=n + 1,
                day=timezone.localdate(),
                user=self.owner,
                app_id=str(n),
                app_name=f"App {n}",
            )
        self.login(self.staff)
        html = self.client.get("/usage/").content.decode()
        assert "Other (3)" in html and "App 8 (9)" in html


class UsageNamesTests(TrackingTestCase):
    def test_it_names_an_app_in_the_readers_language_one_row_whatever_it_was_started_under(self):
        first = self.start()
        self.finish_upstream(first)
        self.poll(first)
        self.client.get(f"/apps/{first.app_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans")  # read in Chinese
        second = self.start()
        self.finish_upstream(second)
        self.poll(second)
        # The second run was started under the Chinese name in the ledger, the first under
        # the English one: one app, one row, named for whoever reads.
        LedgerEntry.objects.filter(run=second).update(app_name="水彩肖像（旧名）")
        html = self.client.get("/usage/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        by_app = html.split('id="by-app"')[1].split("</section>")[0]
        assert "Watercolor" not in by_app and "旧名" not in by_app
        assert by_app.count("<tr>") - 1 == 1 and ">4<" in by_app  # one row, both runs' points
        english = self.client.get("/usage/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Watercolor portrait" in english.split('id="by-app"')[1].split("</section>")[0]
