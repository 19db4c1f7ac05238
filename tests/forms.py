"""Post a page's own form back, as a browser would: every field with the value it shows."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.form_id, self.inside = form_id, form_id is None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = a.get("id") == self.form_id
        if not self.inside or not a.get("name"):
            if tag == "option" and self.select and "selected" in a:
                self.data.setdefault(self.select, []).append(a.get("value", ""))
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file", "image"):
                self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select":
            self.select = name
        elif tag == "textarea":
            self.data.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        if tag == "form" and self.form_id is not None:
            self.inside = False


def form_data(html: str, form_id: str | None = None, **changes) -> dict:
    """The fields of the form (`form_id`, else every form) as the page shows them, with
    `changes` applied; a change of None leaves the field out (an unticked box)."""
    parser = _Form(form_id)
    parser.feed(html)
    data = {k: v if len(v) > 1 else v[0] for k, v in parser.data.items()}
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data
