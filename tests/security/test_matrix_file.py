"""The authorization matrix covers every endpoint and method, and no endpoint that is gone."""

from __future__ import annotations

from app.core.permissions import PUBLIC, declared_permissions, role_has
from tests.security import matrix


def test_every_endpoint_and_method_is_in_the_matrix(app):
    missing = sorted(set(matrix.routes(app)) - set(matrix.entries()))
    assert not missing, (
        f"{len(missing)} endpoint(s) missing from {matrix.MATRIX_PATH.name}. Add a table per "
        "endpoint and method, with every role allowed (a list of the fields it may see) or "
        '"denied" (see the file\'s header), for example:\n\n'
        + "\n\n".join(matrix.how_to_add(app, endpoint, method) for endpoint, method in missing)
    )


def test_every_matrix_entry_names_an_existing_endpoint_and_method(app):
    stale = sorted(set(matrix.entries()) - set(matrix.routes(app)))
    assert not stale, (
        f"{matrix.MATRIX_PATH.name} lists endpoints or methods that no longer exist; remove "
        "or rename these tables: " + ", ".join(f'"{e}".{m}' for e, m in stale)
    )


def test_every_entry_names_every_role_and_known_fields_only():
    known = matrix.field_names()
    for (endpoint, method), table in matrix.entries().items():
        actors = set(table) - {"note"}
        assert actors == set(matrix.ACTORS), (endpoint, method, sorted(actors ^ set(matrix.ACTORS)))
        for actor in matrix.ACTORS:
            value = table[actor]
            assert value == matrix.DENIED or isinstance(value, list), (endpoint, method, actor)
            if isinstance(value, list):
                unknown = set(value) - known
                assert not unknown, f"{endpoint} {method} {actor}: unknown fields {unknown}"


def test_allowed_and_denied_agree_with_the_views_declarations(app):
    """The matrix is the reviewable copy of @requires / @public: they may not drift apart."""
    disagreements = []
    for (endpoint, method), _rule in matrix.routes(app).items():
        if (endpoint, method) not in matrix.entries():
            continue  # reported by test_every_endpoint_and_method_is_in_the_matrix
        declaration = declared_permissions(app.view_functions[endpoint])
        for actor in matrix.ACTORS:
            if declaration == PUBLIC:
                expected = True
            elif actor == matrix.ANONYMOUS or declaration is None:
                expected = False
            else:
                expected = role_has(actor, declaration)
            if matrix.answer(endpoint, method, actor).allowed != expected:
                disagreements.append(f"{endpoint} {method} {actor}: code says {expected}")
    assert not disagreements, "\n".join(disagreements)


def test_only_the_reveal_and_subject_access_show_the_full_citizen_number():
    showing = {
        endpoint
        for (endpoint, _method), table in matrix.entries().items()
        if any(isinstance(v, list) and "bsn_full" in v for v in table.values())
    }
    assert showing <= {"cases.reveal_bsn", "audit.subject_access_json", "audit.subject_access_pdf"}


def test_a_new_route_is_reported_with_the_table_to_add(app):
    """The check above can fail: a route the file does not list is found and explained."""
    from flask import Blueprint

    from app import create_app
    from app.core.permissions import Permission, requires

    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    extra = Blueprint("circles", __name__)
    extra.add_url_rule(
        "/circles/<uuid:circle_id>",
        "circle",
        requires(Permission.MENTOR_PORTAL)(lambda circle_id: "circle"),
        methods=["GET", "POST"],
    )
    fresh.register_blueprint(extra)
    missing = sorted(set(matrix.routes(fresh)) - set(matrix.entries()))
    assert missing == [("circles.circle", "GET"), ("circles.circle", "POST")]
    advice = matrix.how_to_add(fresh, "circles.circle", "POST")
    assert '[endpoints."circles.circle".POST]' in advice
    assert "volunteer = []" in advice
    assert 'case_worker = "denied"' in advice
