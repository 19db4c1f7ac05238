"""A multipart form read as scripts send it: a file part without a file name is a file.

Django turns a part with no `filename` into a text field (decoded, its bytes lost) and
caps it at DATA_UPLOAD_MAX_MEMORY_SIZE. `requests` sends such a part for
`files={"file": (None, content, "image/jpeg")}`, and A1's document asks only for a
form-data `file`. `NamelessFiles`, put first in a request's upload handlers before its
form is read, parses the form itself (Django's documented `handle_raw_input` hook, with
Django's own part parser) and keeps the parts named in `file_fields` as files whatever
their headers say, with the content type the part gives.
"""

from __future__ import annotations

from io import BytesIO

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import QueryDict
from django.http.multipartparser import (
    FIELD,
    FILE,
    ChunkIter,
    LazyStream,
    MultiPartParserError,
    Parser,
)
from django.utils.datastructures import MultiValueDict

MAX_PARTS = 20
MAX_FIELD_BYTES = 64 * 1024


class NamelessFiles(FileUploadHandler):
    """Reads the whole form: the parts named in `file_fields` (and any part with a file
    name) become files of at most `max_file_bytes` + 1 bytes (the caller refuses a
    larger one by its size), the others text of at most MAX_FIELD_BYTES."""

    def __init__(self, *, file_fields: tuple[str, ...], max_file_bytes: int):
        super().__init__()
        self.file_fields = file_fields
        self.max_file_bytes = max_file_bytes

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        post, files = QueryDict(mutable=True), MultiValueDict[str, InMemoryUploadedFile]()
        stream = LazyStream(ChunkIter(input_data, 64 * 1024))
        for count, (kind, meta, part) in enumerate(Parser(stream, boundary), start=1):
            if count > MAX_PARTS:
                raise MultiPartParserError("too many parts")
            if kind not in (FIELD, FILE):
                continue  # the preamble and the epilogue
            disposition = meta.get("content-disposition", ("", {}))[1]
            name = _text(disposition.get("name", b"")).strip()
            filename = _text(disposition.get("filename", b""))
            if not name:
                continue
            if kind == FILE or name in self.file_fields:
                content = part.read(self.max_file_bytes + 1)
                content_type = meta.get("content-type", ("", {}))[0].strip()
                files.appendlist(name, _in_memory(name, filename, content, content_type))
            else:
                text = part.read(MAX_FIELD_BYTES).decode(encoding or "utf-8", "replace")
                post.appendlist(name, text)
            for _rest in part:  # what is past a cap is not kept
                pass
        return post, files

    def receive_data_chunk(self, raw_data, start):  # pragma: no cover - never called
        return raw_data

    def file_complete(self, file_size):  # pragma: no cover - never called
        return None


def _text(value: bytes | str) -> str:
    """Django's part parser gives header parameters as bytes."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _in_memory(field: str, filename: str, content: bytes, content_type: str):
    name = filename.replace("\\", "/").rsplit("/", 1)[-1][-200:].strip(" .")
    return InMemoryUploadedFile(
        BytesIO(content),
        field,
        name or None,  # None: no name (Django refuses "", "." and "..")
        content_type or "application/octet-stream",
        len(content),
        None,
    )
