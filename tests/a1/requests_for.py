"""Builds valid generate requests for sandbox apps, the way the portal's form will."""

from typing import Any

from a1 import A1Client, App, CnetValue, GenerateRequest
from tests.conftest import image_bytes


def valid_request(a1: A1Client, app: App, *, generate_num: int = 1, **overrides) -> GenerateRequest:
    cnet = []
    for form in app.forms_of("cnet"):
        for position in range(form.positions) if form.positions else [None]:
            upload = a1.upload_file(image_bytes(color="orange"), "face.jpg")
            cnet.append(CnetValue(form.id, upload.image_url, upload.path, position))
    description = []
    for form in app.forms_of("description"):
        if form.inputs:
            description += [(i.id, i.default or f"{i.name} value") for i in form.inputs]
        else:
            description.append((form.id, "a lighthouse at night"))
    fields: dict[str, Any] = {
        "app_id": app.id,
        "version_id": app.version_id,
        "generate_num": generate_num,
        "cnet": tuple(cnet),
        "description": tuple(description),
        "style_id": app.styles[0].id if app.forms_of("style") else "",
        "size_id": "6" if app.forms_of("size") else "",
    }
    return GenerateRequest(**(fields | overrides))
