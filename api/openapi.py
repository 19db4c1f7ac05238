"""What the generated OpenAPI schema cannot say by itself, said exactly.

django-ninja builds the schema from the type hints; three things it cannot express
were found by schemathesis: a body that is not readable JSON answers 400, the ZIP
downloads answer application/zip (not JSON), and two requests take one of two fields
(enhance: `upload_id` or `result_id`; upload: `file` or `image_url`).
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
BAD_JSON = {
    "description": "The body is not readable JSON (code bad_request)",
    "content": {"application/json": {"schema": ERROR_REF}},
}
ZIP = {
    "description": "The ZIP file",
    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
}
ZIP_PATHS = ("/zip", "/download")
# Schema name -> the fields of which exactly one must be given.
ONE_OF = {"EnhanceIn": ("upload_id", "result_id")}
UPLOAD_FIELDS = ("file", "image_url")


def schema_exact(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, with the answers and shapes the endpoints really have."""
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                operation["responses"].setdefault(400, BAD_JSON)
            if "multipart/form-data" in content:
                _one_of(content["multipart/form-data"]["schema"], UPLOAD_FIELDS)
            if path.endswith(ZIP_PATHS) and 200 in operation["responses"]:
                operation["responses"][200] = ZIP
    components = schema.get("components", {}).get("schemas", {})
    for name, fields in ONE_OF.items():
        if name in components:
            _one_of(components[name], fields)
    return schema


def _one_of(body: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Exactly one of `fields` given: that one present and not blank, the others absent,
    null or empty (what the endpoint checks: `bool(a) != bool(b)`)."""
    properties = body.get("properties", {})
    if not all(name in properties for name in fields):
        return
    body["oneOf"] = [
        {
            "required": [name],
            "properties": {
                name: _given(properties[name]),
                **{
                    other: {"maxLength": 0}
                    for other in fields
                    if other != name and not _is_file(properties[other])
                },
            },
            **_absent_files(properties, [other for other in fields if other != name]),
        }
        for name in fields
    ]


def _is_file(prop: dict[str, Any]) -> bool:
    return any(p.get("format") == "binary" for p in [prop, *prop.get("anyOf", [])])


def _given(prop: dict[str, Any]) -> dict[str, Any]:
    if _is_file(prop):
        return {"type": "string", "format": "binary"}
    return {"type": "string", "pattern": r"\S"}


def _absent_files(properties: dict[str, Any], others: list[str]) -> dict[str, Any]:
    """A file field is "not given" only when it is not sent at all."""
    files = [name for name in others if _is_file(properties[name])]
    return {"not": {"anyOf": [{"required": [name]} for name in files]}} if files else {}


class ExactSchemaApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema_exact(schema)
        return schema
