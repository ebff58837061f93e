"""Refuse input that no field can hold, before a view sees it.

PostgreSQL text cannot store or compare a NUL character: a form field, query
parameter, JSON string or part of the URL holding one would fail at the database with
a server error. No person types
one, so the request is refused as a whole (400) with a Dutch message; the API gets it as
JSON from the app's error handler. Uploaded file contents are the upload parser's
to judge (it calls ``json_shape_problem`` itself).

A JSON body is checked before it is parsed: Python's parser recurses once per bracket
(1,000 brackets in a 2 KB body raise ``RecursionError``, which ``get_json(silent=True)``
does not catch) and refuses integers over 4,300 digits with an English message. So
the raw text is scanned first, without recursion: more than ``MAX_JSON_DEPTH`` levels,
a number literal longer than ``MAX_JSON_NUMBER_CHARS`` or a bare ``NaN``/``Infinity``
(which Python accepts and JSON does not) refuses the request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

NUL = "\x00"
MAX_JSON_DEPTH = 32
# 30 characters hold any amount or count the portal stores (and a float's digits).
MAX_JSON_NUMBER_CHARS = 30

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_NUMBER = re.compile(r"[-+0-9.eE]+")
_NON_JSON_CONSTANT = re.compile(r"NaN|Infinity")


def json_shape_problem(text: str):
    """A Dutch reason when ``text`` is JSON too deep or with a too large number, else None.

    Only the shape is judged: text that is not JSON at all is left to the parser.
    """
    outside_strings = _JSON_STRING.sub('""', text)
    depth = 0
    for match in _BRACKETS.finditer(outside_strings):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return _l("The JSON is nested too deeply (more than %(n)s levels).", n=MAX_JSON_DEPTH)
    for match in _NUMBER.finditer(outside_strings):
        if len(match.group()) > MAX_JSON_NUMBER_CHARS:
            return _l(
                "The JSON holds a number that is too large (more than %(n)s characters).",
                n=MAX_JSON_NUMBER_CHARS,
            )
    if _NON_JSON_CONSTANT.search(outside_strings):
        return _l("The JSON holds a value that is not a number (NaN or Infinity).")
    return None


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


def refuse_unparsable_json() -> None:
    """A JSON body too deep or with a too large number: 400 before anything parses it."""
    if not request.is_json:
        return
    text = request.get_data(cache=True).decode("utf-8", errors="replace")
    problem = json_shape_problem(text)
    if problem is not None:
        abort(400, description=str(problem))


def refuse_unstorable_input() -> None:
    """before_request: 400 when the JSON body cannot be parsed safely, or when any
    submitted text holds a NUL character."""
    refuse_unparsable_json()
    if any(NUL in text for text in _submitted()):
        abort(400, description=_("The input contains a character that is not allowed."))
