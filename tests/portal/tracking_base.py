"""Start real runs through the form, then drive the worker's steps by hand."""

from datetime import timedelta

from django.utils import timezone

from generator.models import Run
from generator.runs import tracking
from tests.portal.base import BaseTestCase, PortalMixin, TransactionalTestCase


class TrackingMixin(PortalMixin):
    def start(self, user=None, **overrides) -> Run:
        self.login(user or self.owner)
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key, **overrides))
        assert response.status_code == 302, response.content[:300]
        return Run.objects.get(idempotency_key=key)

    def make_due(self, run: Run) -> None:
        Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now() - timedelta(seconds=1))

    def poll(self, run: Run):
        """One worker step, as if its time had come."""
        self.make_due(run)
        next_at = tracking.run_poll(run_id=run.pk)
        run.refresh_from_db()
        return next_at

    def finish_upstream(self, run: Run, state="completed") -> None:
        self.sandbox.finish(run.task_id, state)


class TrackingTestCase(TrackingMixin, BaseTestCase):
    pass


class TransactionalTrackingTestCase(TrackingMixin, TransactionalTestCase):
    pass
