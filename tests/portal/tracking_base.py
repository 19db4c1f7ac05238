"""Start real generations through the form, then drive the worker's steps by hand."""

from datetime import timedelta

from django.utils import timezone

from generator.models import Generation
from generator.runs import tracking
from tests.portal.base import BaseTestCase, TransactionalTestCase


class TrackingMixin:
    def start(self, user=None, **overrides) -> Generation:
        self.login(user or self.owner)
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key, **overrides))
        assert response.status_code == 302, response.content[:300]
        return Generation.objects.get(idempotency_key=key)

    def make_due(self, generation: Generation) -> None:
        Generation.objects.filter(pk=generation.pk).update(
            next_poll_at=timezone.now() - timedelta(seconds=1)
        )

    def poll(self, generation: Generation):
        """One worker step, as if its time had come."""
        self.make_due(generation)
        next_at = tracking.generation_poll(generation_id=generation.pk)
        generation.refresh_from_db()
        return next_at

    def finish_upstream(self, generation: Generation, state="completed") -> None:
        self.sandbox.finish(generation.task_id, state)


class TrackingTestCase(TrackingMixin, BaseTestCase):
    pass


class TransactionalTrackingTestCase(TrackingMixin, TransactionalTestCase):
    pass
