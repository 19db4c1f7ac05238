"""Once a batch ended, its results are "Results" (no more "so far"), in the order the items
were given."""

from generator.batches import pacing as batch_pacing
from tests.batches.base import BatchTestCase


class ResultsOrderTests(BatchTestCase):
    def test_it_lists_a_finished_batchs_results_in_the_order_given(self):
        batch = self.prepared(n=3)
        self.client.post(f"{batch.get_absolute_url()}start/")
        self.tick(times=3)
        # In the order given, so newest first would list them backwards.
        for run in batch.runs.order_by("batch_item__index"):
            self.finish_upstream(run)
            self.poll(run)
        batch_pacing.batches_settle()
        batch.refresh_from_db()
        assert batch.state == "done"
        html = self.client.get(batch.get_absolute_url()).content.decode()
        assert "Results so far" not in html
        landed = html[html.index("<h2>Results</h2>") :]
        labels = [landed.index(f'alt="{batch.items.get(index=i).label}"') for i in range(3)]
        assert labels == sorted(labels), labels
