"""What A1's CDN serves: app covers, style thumbnails, uploads and expiring results."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from . import images
from .state import Sandbox, TaskRecord, current


def _jpeg(content: bytes, *, cache: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600" if cache else "no-store"
    return response


@require_GET
def asset(request: HttpRequest, kind: str, item_id: str) -> HttpResponse:
    sb = current()
    if kind == "cover":
        app = sb.catalog.get(item_id)
        if app is None:
            raise Http404
        return _jpeg(images.render_asset(app.name[0], *app.palette))
    for app in sb.catalog.values():
        style = app.style(item_id)
        if style:
            return _jpeg(images.render_asset(style["name"][0], *app.palette, style["effect"]))
    raise Http404


@require_GET
def upload_file(request: HttpRequest, upload_id: str, ext: str) -> HttpResponse:
    record = current().uploads.get(upload_id)
    if record is None or record.file.suffix != f".{ext}":
        raise Http404
    content_type = "image/png" if record.format == "PNG" else "image/jpeg"
    return HttpResponse(record.file.read_bytes(), content_type=content_type)


@require_GET
def result(request: HttpRequest, task_id: str, index: int) -> HttpResponse:
    sb = current()
    task = sb.tasks.get(task_id)
    now = time.time()
    if task is None or index >= task.count or task.state(now) != "completed":
        raise Http404
    sb.count("files", task.key)
    sb.wait_at_files_gate()
    if sb.take_fault("files") and sb.chance(sb.knobs.error_rate):
        return HttpResponse(b"Service Unavailable", status=503, content_type="text/plain")
    if now > task.finishes_at + sb.knobs.url_lifetime:
        # Like a signed CDN link past its time.
        return HttpResponse(b"Request has expired", status=403, content_type="text/plain")
    if index < len(task.files) and task.files[index].exists():
        return _jpeg(task.files[index].read_bytes(), cache=False)
    return _jpeg(_render(sb, task, index), cache=False)


# A1 makes the images while a task is processing; the sandbox does too, on two threads
# (Pillow releases the GIL while it works), so a completed task's links serve at once.
_renderer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sandbox-render")


def schedule_render(sb: Sandbox, task: TaskRecord) -> None:
    if task.will_fail:
        return

    def work() -> None:
        folder = sb.data_dir / "results"
        folder.mkdir(parents=True, exist_ok=True)
        files = []
        for index in range(task.count):
            path = folder / f"{task.id}-{index}.jpg"
            path.write_bytes(_render(sb, task, index))
            files.append(path)
        task.files = files
        task.rendered_at = time.time()

    task.render = _renderer.submit(work)


def _render(sb: Sandbox, task: TaskRecord, index: int) -> bytes:
    if task.kind == "optimize":
        return _enhanced(str(sb.uploads[task.params["upload"]].file))
    app = sb.catalog[task.app_id]
    params = task.params
    photos = tuple(str(sb.uploads[u].file) for u in params["photos"] if u in sb.uploads)
    return _generated(
        app.name[0],
        app.palette,
        photos,
        params["prompt"],
        params["effect"],
        params["tint"],
        params["size_id"],
        index,
    )


@lru_cache(maxsize=32)
def _generated(name, palette, photo_files, prompt, effect, tint, size_id, index) -> bytes:
    photos = [Path(f).read_bytes() for f in photo_files]
    return images.render_result(
        app_name=name,
        palette=palette,
        photos=photos,
        prompt=prompt,
        effect=effect,
        tint=tint,
        size_id=size_id,
        index=index,
    )


@lru_cache(maxsize=16)
def _enhanced(photo_file: str) -> bytes:
    with open(photo_file, "rb") as fh:
        return images.render_enhanced(fh.read())
