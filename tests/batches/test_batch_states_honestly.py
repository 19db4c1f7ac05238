"""A batch's page tells the truth while it runs: the quote restates what is paid for,
every item keeps its line and its state, the time left follows the pace the batch has
kept, and a stored reason is worded in the reader's language."""

from datetime import timedelta

from django.utils import timezone

from generator.models import Batch, BatchItem
from tests.batches.base import BatchTestCase


class HonestBatchTests(BatchTestCase):
    def started(self, n: int) -> Batch:
        batch = self.prepared(n=n)
        self.client.post(f"{batch.get_absolute_url()}start/")
        batch.refresh_from_db()
        return batch

    def test_it_restates_what_the_quote_pays_for(self):
        batch = self.prepared(n=2)
        page = self.client.get(batch.get_absolute_url()).content.decode()
        quote = page[page.index("<h2>Quote</h2>") :]
        for words in ("<dt>Style</dt>", "<dt>Size</dt>", "<dt>Images per item</dt><dd>1</dd>"):
            assert words in quote
        assert f"<dt>Points per item</dt><dd>{batch.points_per_item}</dd>" in quote
        assert "2 items ready ×" in quote

    def test_every_item_keeps_its_line_and_state_while_it_runs(self):
        batch = self.started(n=3)
        self.tick()
        html = self.client.get(f"{batch.get_absolute_url()}progress/").content.decode()
        items = html[html.index('class="batch-items"') :]
        for i in range(3):
            assert f"person-{i:02d}.jpg" in items
        assert items.count(">Waiting</span>") == 2
        self.tick(times=2)
        self.drive_runs(batch)
        html = self.client.get(f"{batch.get_absolute_url()}progress/").content.decode()
        items = html[html.index('class="batch-items"') :]
        assert items.count(">Completed</span>") == 3  # finished: the list stays

    def test_the_time_left_follows_the_pace_the_batch_kept(self):
        batch = self.started(n=4)
        self.tick(times=2)
        for run in batch.runs.all():
            self.finish_upstream(run)
            self.poll(run)
        progress = f"{batch.get_absolute_url()}progress/"
        # Two items ended in 2 minutes: two more take about 2 minutes.
        Batch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - timedelta(minutes=2))
        assert "about 2 minutes left" in self.client.get(progress).content.decode()
        # Slower than that: the estimate moves with it.
        Batch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - timedelta(minutes=9))
        assert "about 9 minutes left" in self.client.get(progress).content.decode()

    def test_a_stored_reason_is_a_code_worded_in_the_readers_language(self):
        batch = self.started(n=2)
        self.client.post(f"{batch.get_absolute_url()}cancel/")
        assert set(batch.items.values_list("reason", flat=True)) == {"cancelled_by_owner"}
        english = self.client.get(batch.get_absolute_url()).content.decode()
        assert "Cancelled by its owner." in english
        self.client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
        japanese = self.client.get(batch.get_absolute_url()).content.decode()
        assert "所有者がキャンセルしました。" in japanese
        assert "Cancelled by its owner." not in japanese

    def test_a_reason_stored_as_words_before_codes_is_shown_as_it_was(self):
        batch = self.started(n=2)
        self.client.post(f"{batch.get_absolute_url()}cancel/")
        BatchItem.objects.filter(batch=batch).update(reason="已被所有者取消。")
        assert "已被所有者取消。" in self.client.get(batch.get_absolute_url()).content.decode()
