"""S3-compatible object storage, read from the environment (S3_* variables).

With a bucket, photos and results live in S3 (AWS, MinIO, R2...) instead of under
MEDIA_ROOT. Objects stay private; the media views check access, then hand out a signed
link that works for S3_LINK_SECONDS. A malformed combination stops start-up with a
sentence naming the variables.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from a1site.environment import env, env_float, env_http_url, env_int


@dataclass(frozen=True)
class S3:
    bucket: str
    endpoint_url: str
    region: str
    access_key: str
    secret_key: str
    link_seconds: int
    # A stalled bucket fails a call within this (boto's own default waits a minute, retried).
    timeout: float


def s3_from_environment() -> S3:
    bucket = env.str("S3_BUCKET", default="").strip()
    extras = {
        name: env.str(name, default="").strip()
        for name in ("S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY", "S3_SECRET_KEY")
    }
    extras["S3_ENDPOINT_URL"] = extras["S3_ENDPOINT_URL"].rstrip("/")
    link_seconds = env_int("S3_LINK_SECONDS", 300, minimum=1)
    if not bucket and any(extras.values()):
        named = ", ".join(name for name, value in extras.items() if value)
        raise ImproperlyConfigured(
            f"{named} set but S3_BUCKET is not: set S3_BUCKET too, or unset them to keep files under MEDIA_ROOT."
        )
    if bool(extras["S3_ACCESS_KEY"]) != bool(extras["S3_SECRET_KEY"]):
        raise ImproperlyConfigured(
            "S3_ACCESS_KEY and S3_SECRET_KEY go together: set both, or neither (boto3 then finds credentials itself, e.g. an instance role)."
        )
    if bucket:
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
            raise ImproperlyConfigured(
                f"S3_BUCKET={bucket!r} is not a bucket name (3-63 lower-case letters, digits, dots, hyphens)."
            )
        if extras["S3_ENDPOINT_URL"]:
            extras["S3_ENDPOINT_URL"] = env_http_url("S3_ENDPOINT_URL", "")
        # SigV4 links are valid at most 7 days.
        if link_seconds > 604_800:
            raise ImproperlyConfigured(f"S3_LINK_SECONDS={link_seconds} is over 604800 (7 days).")
        if (
            importlib.util.find_spec("storages") is None
            or importlib.util.find_spec("boto3") is None
        ):
            raise ImproperlyConfigured(
                'S3_BUCKET is set but django-storages and boto3 are not installed: pip install ".[s3]".'
            )
    return S3(
        bucket=bucket,
        endpoint_url=extras["S3_ENDPOINT_URL"],
        region=extras["S3_REGION"],
        access_key=extras["S3_ACCESS_KEY"],
        secret_key=extras["S3_SECRET_KEY"],
        link_seconds=link_seconds,
        timeout=env_float("S3_TIMEOUT", 8.0),
    )


def s3_storage(s3: S3) -> dict[str, Any]:
    """The STORAGES entry for a bucket (s3_from_environment checked the extra is there)."""
    # Imported here: botocore is installed only with the s3 extra.
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": s3.bucket,
            "endpoint_url": s3.endpoint_url or None,
            "region_name": s3.region or None,
            "access_key": s3.access_key or None,
            "secret_key": s3.secret_key or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": s3.link_seconds,
            "file_overwrite": False,
            # With a client_config, django-storages reads the signature from it. SigV4:
            # what every AWS region and MinIO accept; SigV2 links are refused by newer
            # regions.
            "client_config": Config(
                signature_version="s3v4",
                connect_timeout=min(s3.timeout, 5.0),
                read_timeout=s3.timeout,
                # Two tries of at most S3_TIMEOUT each: a stalled bucket is told to the
                # person (a photo refused with a sentence) within about 17 s, before a
                # browser or a proxy gives up on the request (make chaos counts 30 s as hung).
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        },
    }
