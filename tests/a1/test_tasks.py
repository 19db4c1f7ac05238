"""Task queries: progress, results, failures with refunds, expiry, ownership."""

import io

import pytest
import requests
from PIL import Image

from a1 import A1Client, A1Error, Code, TaskState
from tests.a1.requests_for import valid_request
from tests.conftest import fast_retry, wait_until

WATERCOLOR = "1838546335502970881"


@pytest.fixture
def started(a1):
    app = a1.app(WATERCOLOR)
    return a1.generate(valid_request(a1, app, generate_num=2, size_id="7"))


def test_it_shows_processing_then_completed_with_real_images(a1, sandbox, started):
    first = a1.task(started)
    assert first.state is TaskState.PROCESSING and not first.state.finished
    assert first.images == () and first.created_at is not None
    sandbox.finish(started)
    done = a1.task(started)
    assert done.state is TaskState.COMPLETED and done.finished_at is not None
    assert len(done.images) == 2
    response = requests.get(done.images[0], timeout=10)
    assert response.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert image.width * 16 == image.height * 9  # size 7 is 9:16


def test_it_completes_on_its_own_after_the_task_duration(a1, sandbox, started):
    record = sandbox.control("GET", f"tasks/{started}")
    assert record["finishesAt"] - record["created"] == pytest.approx(0.5)  # not instant
    assert wait_until(lambda: a1.task(started).state is TaskState.COMPLETED, timeout=10, step=0.1)


def test_it_reports_a_failed_task_and_gives_the_points_back(a1, sandbox, started):
    assert sandbox.balance() == 998
    sandbox.finish(started, "failed")
    task = a1.task(started)
    assert task.state is TaskState.FAILED and task.images == ()
    assert task.fail_reason
    assert sandbox.balance() == 1000


def test_it_fails_tasks_at_the_configured_rate(a1, sandbox):
    sandbox.knobs(failure_rate=1, task_seconds=0)
    task_id = a1.generate(valid_request(a1, a1.app(WATERCOLOR)))
    assert a1.task(task_id).state is TaskState.FAILED


def test_it_expires_result_urls(a1, sandbox, started):
    sandbox.finish(started)
    url = a1.task(started).images[0]
    assert requests.get(url, timeout=5).status_code == 200
    sandbox.knobs(url_lifetime=0)
    assert wait_until(lambda: requests.get(url, timeout=5).status_code == 403, timeout=5, step=0.05)


def test_it_shows_only_the_callers_own_tasks(sandbox, started):
    other = A1Client(sandbox.url, "other", retry=fast_retry())
    with pytest.raises(A1Error) as caught:
        other.task(started)
    assert caught.value.code == Code.INVALID_PARAMS


def test_it_sends_the_section_header_only_on_task_queries(sandbox, started):
    cn = A1Client(sandbox.url, "sandbox", section="cn", retry=fast_retry())
    cn.app(WATERCOLOR)
    cn.task(started)
    assert sandbox.stats()["sections"] == {"task:cn": 1}


def test_it_enhances_an_uploaded_image_for_three_points(a1, sandbox):
    from tests.conftest import image_bytes

    upload = a1.upload_file(image_bytes(size=(300, 200)), "small.jpg")
    task_id = a1.optimize(path=upload.path, image_url=upload.image_url)
    assert sandbox.stats()["points_spent"]["sandbox"] == 3
    sandbox.finish(task_id)
    (url,) = a1.task(task_id).images
    from io import BytesIO

    assert Image.open(BytesIO(requests.get(url, timeout=5).content)).size == (600, 400)


def test_it_enhances_only_images_uploaded_to_it(a1):
    with pytest.raises(A1Error) as caught:
        a1.optimize(path="upload/x/none.jpg", image_url="https://example.com/none.jpg")
    assert caught.value.code == Code.INVALID_PARAMS


def test_it_refuses_to_enhance_without_points(a1, sandbox):
    from tests.conftest import image_bytes

    upload = a1.upload_file(image_bytes(), "a.jpg")
    sandbox.set_balance(2)
    with pytest.raises(A1Error) as caught:
        a1.optimize(path=upload.path, image_url=upload.image_url)
    assert caught.value.code == Code.BALANCE_INSUFFICIENT
