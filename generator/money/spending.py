"""A person's standing: staff deactivate and reactivate accounts.

Deactivating stops spending at once, in one transaction: the person's row is written
(budgets.spend_check locks and reads it, so no spend that read the old state can
follow) and every batch item of theirs not yet sent is cancelled, its hold released.
Their keys stop with them (ApiKey.objects.active), and their sessions no longer log
them in (Django refuses inactive users on every request).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from generator.audit.models import Act
from generator.audit.record import audit_record
from generator.models import Batch
from generator.runs.holds import batches_cancel


def person_deactivate(*, user) -> int:
    """Lock the person out of spending; returns how many batch items were cancelled."""
    with transaction.atomic():
        get_user_model()._default_manager.filter(pk=user.pk).update(is_active=False)
        audit_record(act=Act.PERSON_DEACTIVATED, subject=user)
        user.is_active = False
        return batches_cancel(
            batches=Batch.objects.filter(user=user),
            reason="account_deactivated",
        )


def person_reactivate(*, user) -> None:
    with transaction.atomic():
        get_user_model()._default_manager.filter(pk=user.pk).update(is_active=True)
        audit_record(act=Act.PERSON_REACTIVATED, subject=user)
    user.is_active = True
