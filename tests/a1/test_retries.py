"""Calls that spend nothing are retried through faults; the rest are not."""

import pytest

from a1 import A1Client, A1Error, Code, RetryPolicy
from tests.a1.requests_for import valid_request
from tests.conftest import image_bytes

WATERCOLOR = "1838546335502970881"


@pytest.mark.parametrize("fault", ["error_rate", "drop_rate", "garbage_rate"])
def test_it_retries_app_details_through_a_burst_of_faults(a1, sandbox, fault):
    sandbox.knobs(**{fault: 1}, fault_calls=2)
    assert a1.app(WATERCOLOR).id == WATERCOLOR
    assert sandbox.calls("app") == 3


@pytest.mark.parametrize("fault", ["error_rate", "drop_rate", "garbage_rate"])
def test_it_gives_up_after_three_attempts_with_a_readable_error(a1, sandbox, fault):
    sandbox.knobs(**{fault: 1})
    with pytest.raises(A1Error) as caught:
        a1.app(WATERCOLOR)
    assert sandbox.calls("app") == 3
    assert caught.value.retry_safe
    assert "A1 error" in str(caught.value) and caught.value.msg
    if fault == "error_rate":
        assert caught.value.code == Code.SERVER_ERROR and caught.value.http_status == 500


def test_it_retries_uploads_and_task_queries(a1, sandbox):
    task_id = a1.generate(valid_request(a1, a1.app(WATERCOLOR)))
    sandbox.knobs(error_rate=1, fault_calls=2, faults_on="task")
    assert a1.task(task_id).id == task_id
    sandbox.knobs(drop_rate=1, fault_calls=2, faults_on="upload")
    assert a1.upload_file(image_bytes(), "a.jpg").path
    assert sandbox.calls("task") == 3 and sandbox.calls("upload") == 1 + 3


def test_it_backs_off_when_rate_limited_and_honours_retry_after(sandbox):
    waits = []
    client = A1Client(sandbox.url, "sandbox", retry=RetryPolicy(attempts=3, sleep=waits.append))
    sandbox.knobs(throttle_seconds=60)
    with pytest.raises(A1Error) as caught:
        client.app(WATERCOLOR)
    assert caught.value.code == Code.RATE_LIMITED and caught.value.http_status == 429
    assert waits == [1.0, 1.0]  # the sandbox's Retry-After


def test_it_rate_limits_per_key_with_a_token_bucket(a1, sandbox):
    sandbox.knobs(rate_limit=2)
    codes = []
    bare = A1Client(sandbox.url, "sandbox", retry=RetryPolicy(attempts=1))
    for _ in range(5):
        try:
            bare.app(WATERCOLOR)
            codes.append(0)
        except A1Error as exc:
            codes.append(exc.code)
    assert codes[:2] == [0, 0] and Code.RATE_LIMITED in codes
    other = A1Client(sandbox.url, "other", retry=RetryPolicy(attempts=1))
    assert other.app(WATERCOLOR)  # another key has its own bucket


def test_it_reports_a_malformed_answer_to_generate_as_outcome_unknown(a1, sandbox):
    request = valid_request(a1, a1.app(WATERCOLOR))
    sandbox.knobs(garbage_rate=1, faults_on="generate")
    with pytest.raises(A1Error) as caught:
        a1.generate(request)
    assert caught.value.outcome_unknown and caught.value.code == Code.BAD_RESPONSE
    assert sandbox.calls("generate") == 1
