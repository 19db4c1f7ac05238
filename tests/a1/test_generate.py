"""Generate: A1's rules and codes, points, and never paying twice."""

import dataclasses

import pytest

from a1 import A1Client, A1Error, A1OutcomeUnknown, CnetValue, Code
from tests.a1.requests_for import valid_request
from tests.conftest import fast_retry

WATERCOLOR = "1838546335502970881"


@pytest.mark.parametrize(
    "case", ["image_to_image", "text_to_image", "multi_input", "group_photo", "node", "versioned"]
)
def test_it_starts_a_task_for_every_servable_catalog_case(a1, sandbox, case):
    app = a1.app(sandbox.app_with(case)["id"])
    task_id = a1.generate(valid_request(a1, app))
    assert isinstance(task_id, str) and task_id.isdigit()
    assert sandbox.stats()["points_spent"]["sandbox"] == app.cost(1)


def test_it_spends_one_point_per_image_on_form_apps(a1, sandbox):
    app = a1.app(WATERCOLOR)
    a1.generate(valid_request(a1, app, generate_num=4))
    assert sandbox.balance() == 1000 - 4


@pytest.mark.parametrize("num", [0, 5, -1])
def test_it_refuses_quantities_outside_one_to_four(a1, sandbox, num):
    app = a1.app(WATERCOLOR)
    with pytest.raises(A1Error) as caught:
        a1.generate(valid_request(a1, app, generate_num=num))
    assert caught.value.code == Code.QUANTITY_OUT_OF_RANGE
    assert sandbox.stats()["points_spent"] == {}


def test_it_refuses_more_than_one_image_from_a_node_app(a1, sandbox):
    app = a1.app(sandbox.app_with("node")["id"])
    with pytest.raises(A1Error) as caught:
        a1.generate(valid_request(a1, app, generate_num=2))
    assert caught.value.code == Code.QUANTITY_OUT_OF_RANGE


def test_it_reports_a_stale_version_after_the_app_is_updated(a1, sandbox):
    app = a1.app(sandbox.app_with("versioned")["id"])
    new_version = sandbox.bump(app.id)
    with pytest.raises(A1Error) as caught:
        a1.generate(valid_request(a1, app))
    assert caught.value.code == Code.APP_UPDATED
    assert a1.app(app.id).version_id == new_version
    assert a1.generate(valid_request(a1, a1.app(app.id)))


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("api_disabled", Code.APP_API_DISABLED),
        ("unpublished", Code.APP_UNPUBLISHED),
        ("vip", Code.APP_VIP_ONLY),
    ],
)
def test_it_refuses_apps_the_key_may_not_use(a1, sandbox, case, code):
    entry = sandbox.app_with(case)
    request = dataclasses.replace(
        valid_request(a1, a1.app(WATERCOLOR)), app_id=entry["id"], version_id=entry["versionId"]
    )
    with pytest.raises(A1Error) as caught:
        a1.generate(request)
    assert caught.value.code == code


def test_it_lets_a_vip_key_use_a_vip_app(a1, sandbox):
    sandbox.knobs(vip_keys="sandbox")
    app = a1.app(sandbox.app_with("vip")["id"])
    assert a1.generate(valid_request(a1, app))


def test_it_reports_an_unknown_app(a1):
    request = dataclasses.replace(valid_request(a1, a1.app(WATERCOLOR)), app_id="1" * 19)
    with pytest.raises(A1Error) as caught:
        a1.generate(request)
    assert caught.value.code == Code.APP_NOT_FOUND


@pytest.mark.parametrize(
    "change",
    [
        {"cnet": ()},
        {"style_id": ""},
        {"style_id": "999"},
        {"size_id": ""},
        {"size_id": "8"},
        {"description": (("1838546335507165190", "form id where an input id is due"),)},
    ],
    ids=[
        "no-photo",
        "no-style",
        "unknown-style",
        "no-size",
        "size-8",
        "form-id-for-input",
    ],
)
def test_it_needs_a_valid_value_for_each_form_type(a1, sandbox, change):
    request = dataclasses.replace(valid_request(a1, a1.app(WATERCOLOR)), **change)
    with pytest.raises(A1Error) as caught:
        a1.generate(request)
    assert caught.value.code == Code.INVALID_PARAMS
    assert sandbox.stats()["points_spent"] == {}


def test_it_refuses_images_that_were_not_uploaded_to_it(a1):
    request = valid_request(a1, a1.app(WATERCOLOR))
    forged = CnetValue(request.cnet[0].form_id, "https://example.com/me.jpg", "upload/x/me.jpg")
    with pytest.raises(A1Error) as caught:
        a1.generate(dataclasses.replace(request, cnet=(forged,)))
    assert caught.value.code == Code.INVALID_PARAMS


def test_it_needs_a_required_description(a1, sandbox):
    app = a1.app(sandbox.app_with("text_to_image")["id"])
    for empty in [(), ((app.forms_of("description")[0].id, "   "),)]:
        with pytest.raises(A1Error) as caught:
            a1.generate(dataclasses.replace(valid_request(a1, app), description=empty))
        assert caught.value.code == Code.INVALID_PARAMS


def test_it_needs_required_inputs_of_a_multi_input_description(a1, sandbox):
    app = a1.app(sandbox.app_with("multi_input")["id"])
    request = valid_request(a1, app)
    without_name = tuple(d for d in request.description if d[0] != request.description[0][0])
    with pytest.raises(A1Error) as caught:
        a1.generate(dataclasses.replace(request, description=without_name))
    assert caught.value.code == Code.INVALID_PARAMS


def test_it_refuses_images_uploaded_with_another_key(a1, sandbox):
    other = A1Client(sandbox.url, "other", retry=fast_retry())
    request = valid_request(other, other.app(WATERCOLOR))  # uploads made with "other"
    with pytest.raises(A1Error) as caught:
        a1.generate(request)
    assert caught.value.code == Code.INVALID_PARAMS


def test_it_needs_every_group_photo_position(a1, sandbox):
    app = a1.app(sandbox.app_with("group_photo")["id"])
    request = valid_request(a1, app)
    assert [c.position for c in request.cnet] == [0, 1]
    with pytest.raises(A1Error) as caught:
        a1.generate(dataclasses.replace(request, cnet=request.cnet[:1]))
    assert caught.value.code == Code.INVALID_PARAMS


def test_it_refuses_when_the_balance_is_too_low(a1, sandbox):
    sandbox.set_balance(2)
    app = a1.app(sandbox.app_with("node")["id"])  # costs 3
    with pytest.raises(A1Error) as caught:
        a1.generate(valid_request(a1, app))
    assert caught.value.code == Code.BALANCE_INSUFFICIENT
    assert caught.value.message("zh") == "账户余额不足"
    assert sandbox.balance() == 2


def test_it_does_not_resend_after_a_server_error(a1, sandbox):
    request = valid_request(a1, a1.app(WATERCOLOR))
    sandbox.knobs(error_rate=1, faults_on="generate")
    with pytest.raises(A1OutcomeUnknown) as caught:
        a1.generate(request)
    assert caught.value.outcome_unknown and not caught.value.retry_safe
    assert caught.value.code == Code.SERVICE_INTERNAL_ERROR and caught.value.http_status == 503
    assert sandbox.calls("generate") == 1


def test_it_does_not_resend_after_the_connection_drops(a1, sandbox):
    request = valid_request(a1, a1.app(WATERCOLOR))
    sandbox.knobs(drop_rate=1, faults_on="generate")
    with pytest.raises(A1OutcomeUnknown) as caught:
        a1.generate(request)
    assert caught.value.code == Code.NETWORK_ERROR
    stats = sandbox.stats()
    assert stats["calls"]["generate"] == 1
    # The sandbox did the work: this is why the outcome is "unknown", not "failed".
    assert stats["points_spent"]["sandbox"] == 1


def test_it_does_not_resend_after_a_timeout(sandbox):
    slow = A1Client(sandbox.url, "sandbox", timeout=0.3, retry=fast_retry())
    request = valid_request(slow, slow.app(WATERCOLOR))
    sandbox.knobs(latency=1, faults_on="generate")
    with pytest.raises(A1OutcomeUnknown) as caught:
        slow.generate(request)
    assert caught.value.code == Code.TIMEOUT
    assert sandbox.calls("generate") == 1


def test_it_does_not_resend_when_rate_limited_but_says_a_retry_is_safe(a1, sandbox):
    request = valid_request(a1, a1.app(WATERCOLOR))
    sandbox.knobs(throttle_seconds=30)
    with pytest.raises(A1Error) as caught:
        a1.generate(request)
    assert caught.value.code == Code.RATE_LIMITED
    assert caught.value.retry_safe and not caught.value.outcome_unknown
    assert sandbox.calls("generate") == 1


def test_it_says_a_retry_is_safe_when_nothing_was_sent():
    from tests.conftest import free_port

    nobody = A1Client(f"http://127.0.0.1:{free_port()}", "sandbox", retry=fast_retry())
    with pytest.raises(A1Error) as caught:
        nobody.optimize(path="upload/x.jpg", image_url="http://x/x.jpg")
    assert caught.value.code == Code.NETWORK_ERROR
    assert caught.value.retry_safe and not caught.value.outcome_unknown
