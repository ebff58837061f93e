"""The roots of the walk (what hangs on a client or a case) are declared by the feature
that owns them, in its ``init_app``; the platform's walk names no feature's table."""

from __future__ import annotations

from pathlib import Path

from app.audit import records
from app.audit.records import dependents, named_references
from app.cases.models import Case
from app.cases.timeline import TimelineEntry
from app.core.registry import entries


def test_the_case_file_declares_the_client_and_the_case_as_roots(app):
    with app.app_context():
        assert named_references() == {"clients": "client_id", "cases": "case_id"}


def test_the_walk_finds_a_history_table_through_the_declared_root_only(app, monkeypatch):
    """The timeline keeps no foreign key to its case (it outlives it): only the declared
    reference column ties it to the case."""
    with app.app_context():
        assert TimelineEntry in [model for model, _ids in dependents(Case, [])]
        monkeypatch.setitem(app.extensions, "nazorg.walk_roots", [])
        assert entries("walk_roots") == []
        assert TimelineEntry not in [model for model, _ids in dependents(Case, [])]


def test_the_walk_names_no_table_of_a_feature():
    source = Path(records.__file__).read_text()
    code = source.split('"""', 2)[2]  # after the module's docstring
    for name in ('"cases"', '"clients"', '"case_id"', '"client_id"'):
        assert name not in code
