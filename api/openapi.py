"""What the generated OpenAPI schema cannot say by itself, said exactly.

django-ninja builds the schema from the type hints; three things it cannot express
were found by schemathesis: a body that is not readable JSON answers 400, the ZIP
downloads answer application/zip (not JSON), and two requests take one of two fields.
Enhance takes `upload_id` or `result_id` (a oneOf); an upload is a multipart `file` or
a form-urlencoded `image_url`, one shape per content type (a oneOf over a binary field
is more than schemathesis's coverage phase can judge).
"""

from __future__ import annotations

import copy
from typing import Any

from ninja import NinjaAPI

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
BAD_BODY = {
    "description": "The body could not be read: not JSON, or a broken form (code bad_request)",
    "content": {"application/json": {"schema": ERROR_REF}},
}
ZIP = {
    "description": "The ZIP file",
    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
}
ZIP_PATHS = ("/zip", "/download")
# Schema name -> the fields of which exactly one must be given.
ONE_OF = {"EnhanceIn": ("upload_id", "result_id")}
UPLOAD_PATH = "/api/v1/uploads"
UPLOAD_FILE = {
    "type": "object",
    "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "The image"}},
}
UPLOAD_LINK = {
    "type": "object",
    "required": ["image_url"],
    "properties": {
        "image_url": {
            "type": "string",
            "pattern": r"^\s*https?://\S",
            "maxLength": 2000,
            "description": "An http(s) link to the image; the portal fetches it",
        }
    },
}


def schema_exact(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, with the answers and shapes the endpoints really have."""
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if content:
                operation["responses"].setdefault(400, BAD_BODY)
            if path == UPLOAD_PATH and "multipart/form-data" in content:
                content["multipart/form-data"]["schema"] = copy.deepcopy(UPLOAD_FILE)
                content["application/x-www-form-urlencoded"] = {
                    "schema": copy.deepcopy(UPLOAD_LINK)
                }
            if path.endswith(ZIP_PATHS) and 200 in operation["responses"]:
                operation["responses"][200] = ZIP
    components = schema.get("components", {}).get("schemas", {})
    for name, fields in ONE_OF.items():
        if name in components:
            _one_of(components[name], fields)
    return schema


def _one_of(body: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Exactly one of `fields` given, not empty (what the endpoint checks: `bool(a) !=
    bool(b)`): a branch per field; another field given too matches two branches."""
    properties = body.get("properties", {})
    if not all(name in properties for name in fields):
        return
    given = {"type": "string", "minLength": 1}
    body["oneOf"] = [{"required": [name], "properties": {name: given}} for name in fields]


class ExactSchemaApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema_exact(schema)
        return schema
