"""The intake API's OpenAPI file validates, and schema-driven requests find no server error."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def test_the_openapi_file_validates():
    validate(yaml.safe_load(SPEC.read_text(encoding="utf-8")))


def test_every_api_route_is_documented(app):
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert routes <= set(spec["paths"])


@pytest.fixture
def api_token(app, tenants) -> str:
    from app.cases.intake import tokens
    from app.core.context import tenant_app_context
    from app.extensions import db

    with app.app_context(), tenant_app_context(tenants["zutphen"].id):
        token = tokens.issue_token(tenants["zutphen"].id)
        db.session.commit()
    return token


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_finds_no_server_error(app, api_token, mode):
    schema = schemathesis.openapi.from_path(SPEC)
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    statuses = set()
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=75, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api_token}"}
            response = case.call()
            case.validate_response(response, checks=[not_a_server_error])
            statuses.add(response.status_code)
            content_type = {k.lower(): v for k, v in response.headers.items()}["content-type"]
            assert "application/json" in str(content_type)

        call()
    # The token was accepted: documents were judged on their content, not refused at the door.
    assert statuses - {401}, statuses
