"""docs/openapi.yaml carries the intake document's schema as the model generates it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from app.cases.intake.document import parse_document
from app.cases.intake.schema import intake_schemas

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "docs" / "openapi.yaml"


def test_the_openapi_file_holds_the_schema_the_model_generates():
    schemas = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]
    for name, body in intake_schemas().items():
        assert schemas.get(name) == body, (
            f"{name} in docs/openapi.yaml differs from the model: "
            "run python scripts/openapi_schema.py"
        )


def test_the_script_checks_the_file():
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(ROOT / "scripts/openapi_schema.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_limits_in_the_schema_are_the_ones_the_model_enforces(app):
    document = intake_schemas()["IntakeDocument"]["properties"]
    limits = {name: prop["maxLength"] for name, prop in document.items() if "maxLength" in prop}
    assert limits["given_name"] == 120 and limits["facility"] == 200
    base = {
        "given_name": "Karin",
        "family_name": "Bosman",
        "date_of_birth": "1988-04-12",
        "bsn": "111222333",
    }
    with app.test_request_context():
        for name, limit in limits.items():
            # The facility must also be on the list: here the list holds the longest name.
            facilities = ["x" * limit]
            assert parse_document({**base, name: "x" * limit}, facilities=facilities)[1] == [], name
            errors = parse_document({**base, name: "x" * (limit + 1)}, facilities=facilities)[1]
            assert [field for field, _message in errors] == [name]
            assert f"{limit} tekens" in str(errors[0][1])


def test_the_content_key_of_a_document_without_message_id_is_unchanged(app):
    """Files received before the model was pydantic are still known when they come again."""
    doc = {
        "given_name": "Karin",
        "family_name": "Bosman",
        "date_of_birth": "1988-04-12",
        "bsn": "111222333",
        "facility": "PI Zwolle",
        "detention_start": "2026-11-01",
        "expected_release": "2027-01-01",
        "prolific_offender": "ja",
        "domains": {
            "housing": {"status": "not_arranged", "situation": "Dakloos", "need": "Woning"},
            "identity": {"status": "arranged"},
            "care": {},
        },
    }
    with app.test_request_context():
        parsed, errors = parse_document(doc)
    assert errors == []
    expected = "sha256:dca00214785de5705f71abb841256b831c4c027d8c931f09353830a666aec3ae"
    assert parsed.message_key() == expected
