"""Our A1 client, written only from A1's document, pointed at the gateway of a live
portal (with a real worker) instead of A1: only the base URL and the key change."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from PIL import Image

from a1 import A1Client, CnetValue, GenerateRequest, TaskState
from generator.keys import services as keys
from generator.models import Run
from tests.base import WATERCOLOR, create_people
from tests.conftest import fast_retry, image_bytes, start_worker, wait_until

pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(live_server, sandbox, settings):
    settings.A1_BASE_URL = sandbox.url
    settings.A1_API_KEY = "sandbox"
    settings.IMAGE_URL_ALLOW_PRIVATE = True
    settings.API_RATE_BURST = 100  # the test polls faster than a script should
    people = SimpleNamespace()
    create_people(people)
    worker = start_worker(sandbox, settings)
    yield live_server.url, people
    worker.kill()
    worker.wait()


def finished(client: A1Client, task_id: str):
    seen = {}

    def done() -> bool:
        seen["task"] = client.task(task_id)
        return seen["task"].state.finished

    assert wait_until(done, timeout=60, step=0.3), "the task never finished"
    return seen["task"]


def test_it_runs_a_whole_a1_session_through_the_gateway(portal, sandbox):
    base_url, people = portal
    key, token = keys.key_create(user=people.owner, name="legacy script")
    client = A1Client(base_url, token, timeout=30, retry=fast_retry())

    app = client.app(WATERCOLOR, language="en_US")
    upload = client.upload_file(image_bytes(size=(300, 400)), "face.jpg", "image/jpeg")
    request = GenerateRequest(
        app_id=app.id,
        version_id=app.version_id,
        generate_num=2,
        cnet=(CnetValue(app.forms_of("cnet")[0].id, upload.image_url, upload.path),),
        description=((app.forms_of("description")[0].inputs[0].id, "red"),),
        style_id=app.styles[0].id,
        size_id="6",
    )
    task = finished(client, client.generate(request))
    assert task.state is TaskState.COMPLETED and len(task.images) == 2
    for url in task.images:
        assert url.startswith(base_url)
        assert Image.open(io.BytesIO(client.download(url))).size[0] > 0

    optimize_task = client.optimize(path=upload.path, image_url=upload.image_url)
    enhanced = finished(client, optimize_task)
    assert enhanced.state is TaskState.COMPLETED and len(enhanced.images) == 1

    runs = Run.objects.filter(api_key=key).order_by("created")
    assert [(r.kind, r.state) for r in runs] == [
        ("generate", "completed"),
        ("enhance", "completed"),
    ]
    assert sandbox.stats()["calls"]["generate"] == 1
    assert sandbox.stats()["calls"]["optimize"] == 1
