"""The API's documentation page: a reference drawn on the server from the OpenAPI schema,
with Swagger UI only when a person asks to try a call.

Swagger UI is a ~1.5 MB script that must run before anything shows (Lighthouse
performance 65-93). The reference below says the same things (method, path, summary,
parameters, request and response shapes, status codes) as plain HTML; "Try it out" is a
link to the same page with `?try=1`, which adds Swagger UI underneath. A surface: it
reads the schema ninja builds and renders, no domain rule involved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import Swagger

METHODS = ("get", "post", "put", "patch", "delete")
REF_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool
    description: str
    ref: str = ""
    where: str = ""


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    kinds: list[tuple[str, str, str]]  # (content type, shape, schema name to link)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: list[str]
    anchor: str
    parameters: list[Field]
    body: list[tuple[str, str, str]]  # (content type, shape, schema name to link)
    body_required: bool
    answers: list[Answer]


@dataclass(frozen=True)
class Shape:
    name: str
    description: list[str]
    fields: list[Field]
    one_of: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Group:
    name: str
    operations: list[Operation]


def _kind(schema: dict[str, Any]) -> tuple[str, str]:
    """A shape said in a few words, and the schema it points at (for a link)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        return name, name
    for joint in ("anyOf", "oneOf", "allOf"):
        if joint in schema:
            parts = [_kind(part) for part in schema[joint]]
            words = [word for word, _ref in parts if word]
            refs = [ref for _word, ref in parts if ref]
            return " | ".join(words), refs[0] if refs else ""
    kind = schema.get("type", "")
    if kind == "array":
        inner, ref = _kind(schema.get("items", {}))
        return f"array of {inner}" if inner else "array", ref
    if schema.get("format"):
        kind = f"{kind} ({schema['format']})"
    if schema.get("enum"):
        kind = f"{kind}: " + ", ".join(json.dumps(value) for value in schema["enum"])
    return str(kind), ""


def prose(text: str) -> list[str]:
    """A docstring's paragraphs, each on one line (its hard wraps are the source's, not
    the reader's)."""
    return [" ".join(part.split()) for part in text.split("\n\n") if part.strip()]


def _content(content: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(media, *_kind(body.get("schema", {}))) for media, body in content.items()]


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    fields = []
    for name, prop in schema.get("properties", {}).items():
        kind, ref = _kind(prop)
        description = prop.get("description", "") or prop.get("title", "")
        fields.append(Field(name, kind, name in required, description, ref))
    return fields


def reference_build(*, schema: dict[str, Any]) -> tuple[list[Group], list[Shape]]:
    """Every operation of the schema, grouped by its first tag in the schema's order, and
    every named shape with its fields."""
    groups: dict[str, list[Operation]] = {}
    for path, operations in schema.get("paths", {}).items():
        for method in METHODS:
            operation = operations.get(method)
            if not isinstance(operation, dict):
                continue
            parameters = []
            for parameter in operation.get("parameters", []):
                kind, ref = _kind(parameter.get("schema", {}))
                description = parameter.get("description", "") or parameter.get("schema", {}).get(
                    "title", ""
                )
                parameters.append(
                    Field(
                        parameter["name"],
                        kind,
                        bool(parameter.get("required")),
                        description,
                        ref,
                        parameter.get("in", ""),
                    )
                )
            body = operation.get("requestBody", {})
            answers = [
                Answer(
                    str(status), answer.get("description", ""), _content(answer.get("content", {}))
                )
                for status, answer in sorted(
                    operation.get("responses", {}).items(), key=lambda item: str(item[0])
                )
            ]
            tag = (operation.get("tags") or ["api"])[0]
            groups.setdefault(tag, []).append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=prose(operation.get("description", "")),
                    anchor=operation.get("operationId", f"{method}-{path}"),
                    parameters=parameters,
                    body=_content(body.get("content", {})),
                    body_required=bool(body.get("required")),
                    answers=answers,
                )
            )
    shapes = [
        Shape(
            name,
            prose(shape.get("description", "")),
            _fields(shape),
            [" + ".join(branch.get("required", [])) for branch in shape.get("oneOf", [])],
        )
        for name, shape in sorted(schema.get("components", {}).get("schemas", {}).items())
    ]
    return [Group(name, items) for name, items in groups.items()], shapes


class ReferenceDocs(Swagger):
    """ninja's docs page, rendered as a server-side reference; Swagger UI on `?try=1`."""

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        groups, shapes = reference_build(schema=api.get_openapi_schema(path_params=kwargs))
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "groups": groups,
            "shapes": shapes,
            "operation_count": sum(len(group.operations) for group in groups),
            "trying": request.GET.get("try") == "1",
        }
        return render(request, self.template, context)
