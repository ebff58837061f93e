"""The values a page's forms would post as they stand (inputs, checked boxes, selects)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs) -> None:
        found = dict(attrs)
        name = found.get("name")
        if tag != "input" or not name or found.get("type") in ("submit", "button"):
            return
        if found.get("type") == "checkbox" and "checked" not in found:
            return
        self.values[name] = found.get("value") or ""


def form_values(client, path: str) -> dict[str, str]:
    """Every named input of the page at ``path`` (its CSRF token included)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    parser = _Inputs()
    parser.feed(response.get_data(as_text=True))
    return parser.values
