"""Batches through the real form, with the worker's steps driven by hand."""

from datetime import timedelta

from django.utils import timezone

from generator.batches import checking as batch_checking
from generator.batches import pacing as batch_pacing
from generator.models import Batch
from generator.schedules.models import Chore
from tests.base import WATERCOLOR, PortalMixin, TrackingTestCase, photo

SLOT = "cnet_17466175263110005"


class BatchMixin(PortalMixin):
    """The batch form, for test cases of either kind."""

    def batch_post(self, files, app_id=WATERCOLOR, **fields):
        data = {
            f"photos_{SLOT}": files,
            "style": "183854633550716522",
            "size": "1",
            "generate_num": "1",
            **fields,
        }
        return self.client.post(f"/apps/{app_id}/batch/", data)

    def prepared(self, n=3, bad=0, **fields) -> Batch:
        """A draft with n photos (the last `bad` of them not images), checked."""
        self.login()
        files = [photo(f"person-{i:02d}.jpg") for i in range(n - bad)]
        files += [photo(f"broken-{i}.jpg", fmt=None) for i in range(bad)]
        response = self.batch_post(files, **fields)
        assert response.status_code == 302, response.content[:800]
        batch = Batch.objects.get(user=self.owner, state="draft")
        while batch_checking.batch_check_step(batch_id=batch.pk):
            pass
        return batch


class BatchTestCase(BatchMixin, TrackingTestCase):
    def tick(self, times=1):
        """Pacer ticks, each as if its slot had come round: one item each."""
        for _ in range(times):
            Chore.objects.filter(name=batch_pacing.SLOT).update(
                next_run=timezone.now() - timedelta(seconds=1)
            )
            with self.settings(BATCH_SEND_RATE=1.0):
                batch_pacing.batches_send_tick()

    def drive_runs(self, batch):
        """Finish every sent run at the sandbox and poll it to the end."""
        for run in batch.runs.all():
            self.finish_upstream(run)
            self.poll(run)
