"""Read the CSRF token from a rendered page, as the browser (and htmx) would send it."""

from __future__ import annotations

import json
import re

_BODY = re.compile(r"hx-headers='([^']+)'")
_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    found = _BODY.search(html)
    if found:
        return json.loads(found.group(1))["X-CSRFToken"]
    found = _INPUT.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def csrf_token(client, path: str = "/notifications/") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return csrf_token_from(response.get_data(as_text=True))
