"""Every HTML form of the portal, field by field (hypothesis): a field either keeps the
value that was sent (a text exactly, without its surrounding white space; a number or a
date the value its ASCII text denotes) or refuses it with a message next to it. Nothing
is cut, nothing is coerced: digits of other scripts, "1_000", control characters and
texts one past the column's length are refused.

The forms are discovered (tests/form_registry.py); a new form fails
``test_every_form_is_covered`` until its coverage is declared. The oracle and the
generated input are in tests/form_property.py. The view-level tests (submit, then read
the database) are the files ``VIEW_LEVEL`` names.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms.validators import Regexp

from app import create_app
from app.core.tenants import Tenant
from app.extensions import db
from tests import form_property
from tests.form_registry import COLUMNS, FIELD_LEVEL, NO_FIELDS, VIEW_LEVEL, discover, runtime_forms

EXAMPLES = int(os.environ.get("FORM_EXAMPLES", "40"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
ROOT = Path(__file__).resolve().parents[2]
DISCOVERED = discover()
ALL_FORMS = sorted((set(DISCOVERED) | set(FIELD_LEVEL) | set(VIEW_LEVEL)) - NO_FIELDS)


def test_every_form_is_covered() -> None:
    declared = set(VIEW_LEVEL) | FIELD_LEVEL | NO_FIELDS
    undeclared = set(DISCOVERED) - declared
    assert not undeclared, f"declare their coverage in tests/form_registry.py: {undeclared}"
    assert not set(VIEW_LEVEL) & FIELD_LEVEL
    for test_file in set(VIEW_LEVEL.values()):
        assert (ROOT / test_file).is_file(), test_file


@pytest.fixture(scope="module")
def form_app():
    """An app of its own on an empty SQLite database: the forms read nothing, and the
    suite's ``app`` fixture empties every table after each test (a second per form)."""
    yield create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})


# The region's municipalities as the distribution form sees them (its fields by tenant id).
TENANTS = [Tenant(id=n, slug=f"t{n}", name=f"Gemeente {n}") for n in range(1, 6)]


def _form_class(name: str) -> type:
    return DISCOVERED.get(name) or runtime_forms(TENANTS)[name]


def _fields(form):
    return [(n, f) for n, f in form._fields.items() if n != "csrf_token"]


@pytest.mark.parametrize("name", ALL_FORMS)
def test_a_field_keeps_what_was_sent_or_refuses_it(form_app, name) -> None:
    with form_app.test_request_context(method="POST"):
        form_class = _form_class(name)
        fields = _fields(form_class(formdata=MultiDict()))
        assert fields, f"{name} has no fields: add it to NO_FIELDS"
        sent_strategy = st.fixed_dictionaries({n: form_property.values_for(f) for n, f in fields})

    @PROPERTY
    @given(sent=sent_strategy)
    def holds(sent: dict[str, str]) -> None:
        with form_app.test_request_context(method="POST"):
            form = form_class(formdata=MultiDict(sent))
            form.validate()
            for field_name, field in _fields(form):
                form_property.check(field, sent[field_name])

    holds()


@pytest.mark.parametrize("name", ALL_FORMS)
def test_patterns_mean_ascii(form_app, name) -> None:
    """A pattern validator with \\d, \\w or \\s has re.ASCII (``AsciiRegexp``): Python's
    \\d matches "٣" and "３", which int() then reads as 3."""
    with form_app.test_request_context(method="POST"):
        form = _form_class(name)(formdata=MultiDict())
        for field_name, field in _fields(form):
            for validator in field.validators:
                if isinstance(validator, Regexp) and re.search(r"\\[dws]", validator.regex.pattern):
                    assert validator.regex.flags & re.ASCII, (name, field_name)


@pytest.mark.parametrize(("form", "field"), sorted(COLUMNS))
def test_text_limits_are_the_columns(form_app, form, field) -> None:
    """A text field stored in a limited column has that column's length as its limit:
    shorter refuses what the database could hold, longer fails in the database (or, on
    SQLite, keeps more than PostgreSQL would)."""
    table, column = COLUMNS[(form, field)]
    length = db.metadata.tables[table].c[column].type.length
    assert length is not None, (table, column)
    with form_app.test_request_context(method="POST"):
        bound = _form_class(form)(formdata=MultiDict())[field]
        assert form_property.max_length(bound) == length, (form, field, table, column)
