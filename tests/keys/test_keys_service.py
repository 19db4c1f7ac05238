"""services/keys: secrets shown once and stored as digests, idempotency keys, last use."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from generator.keys import services as keys
from generator.models import ApiKey
from tests.base import BaseTestCase


class KeyServiceTests(BaseTestCase):
    def test_it_stores_only_a_digest_and_a_visible_prefix(self):
        key, token = keys.key_create(user=self.owner, name="  cron  ")
        assert key.name == "cron" and len(token) > 40 and token.startswith("a1s_")
        assert key.digest == hashlib.sha256(token.encode()).hexdigest()
        assert key.prefix == token[:12] and token not in key.digest

    def test_it_refuses_missing_unknown_and_revoked_keys(self):
        key, token = keys.key_create(user=self.owner, name="cron")
        with pytest.raises(keys.KeyRefused) as missing:
            keys.key_authenticate(token="  ")
        assert missing.value.missing
        with pytest.raises(keys.KeyRefused):
            keys.key_authenticate(token=token + "x")
        assert keys.key_revoke(key=key, by=self.staff)
        assert not keys.key_revoke(key=key, by=self.owner)  # already revoked: unchanged
        assert ApiKey.objects.get().revoked_by == self.staff
        with pytest.raises(keys.KeyRefused):
            keys.key_authenticate(token=token)

    def test_it_notes_last_use_at_most_once_a_minute(self):
        key, token = keys.key_create(user=self.owner, name="cron")
        keys.key_authenticate(token=token)
        first = ApiKey.objects.get().last_used_at
        keys.key_authenticate(token=token)
        assert ApiKey.objects.get().last_used_at == first
        backdated = timezone.now() - timedelta(minutes=2)
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=backdated)
        keys.key_authenticate(token=token)
        assert ApiKey.objects.get().last_used_at > backdated + timedelta(minutes=1)


def test_it_maps_any_idempotency_header_to_one_run_key():
    given = uuid.uuid4()
    assert keys.idempotency_key_from(str(given)) == given
    assert keys.idempotency_key_from("nightly-1") == keys.idempotency_key_from("nightly-1")
    assert keys.idempotency_key_from("nightly-1") != keys.idempotency_key_from("nightly-2")
    assert keys.idempotency_key_from("") != keys.idempotency_key_from("")
    with pytest.raises(ValueError):
        keys.idempotency_key_from("x" * 256)
