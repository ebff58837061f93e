"""The one way to render: a full page, or one block of it when htmx asks.

Each page stays one template file; an htmx request (that is not a history
restore) gets only the named block. ``Vary: HX-Request`` keeps caches from
serving one for the other.
"""

from __future__ import annotations

from flask import make_response, render_template
from flask.wrappers import Response
from jinja2_fragments.flask import render_block

from app.extensions import htmx


def wants_fragment() -> bool:
    return bool(htmx) and not htmx.history_restore_request


def render(template: str, *, block: str = "content", status: int = 200, **context) -> Response:
    if wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
