"""Refuse input that no field can hold, before a view sees it.

PostgreSQL text cannot store or compare a NUL character: a form field, query
parameter, JSON string or part of the URL holding one would fail at the database with
a server error. No person types
one, so the request is refused as a whole (400) with a Dutch message; the API gets it as
JSON from the app's error handler. Uploaded file contents are the upload parser's
to judge.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import abort, request
from flask_babel import gettext as _

NUL = "\x00"


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _submitted() -> Iterator[str]:
    yield from _strings(dict(request.view_args or {}))
    for source in (request.args, request.form):
        for key, values in source.lists():
            yield key
            yield from values
    for upload in request.files.values():
        yield upload.filename or ""
    if request.is_json:
        yield from _strings(request.get_json(silent=True))


def refuse_unstorable_input() -> None:
    """before_request: 400 when any submitted text holds a NUL character."""
    if any(NUL in text for text in _submitted()):
        abort(400, description=_("The input contains a character that is not allowed."))
