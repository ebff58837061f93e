"""The intake document's schema for ``docs/openapi.yaml``, generated from the model.

Pydantic writes JSON Schema 2020-12; the API file is OpenAPI 3.0.3, which has no
``type: null``: an optional value becomes ``nullable: true`` (a reference through
``allOf``, as 3.0 allows nothing beside a ``$ref``). Titles pydantic derives from the
field names are dropped. ``scripts/openapi_schema.py`` writes the result into the
file; ``tests/cases/test_intake_schema.py`` fails when the file and the model differ.
"""

from __future__ import annotations

from typing import Any

from app.cases.intake.document import IntakeDocument

REF = "#/components/schemas/{model}"


def intake_schemas() -> dict[str, Any]:
    """The components/schemas entries of the intake document, by name."""
    schema = IntakeDocument.model_json_schema(ref_template=REF)
    definitions = schema.pop("$defs", {})
    return {
        name: _openapi(body)
        for name, body in sorted({**definitions, "IntakeDocument": schema}.items())
    }


def _openapi(node: Any, *, keep_title: bool = False) -> Any:
    if isinstance(node, list):
        return [_openapi(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    options = node.get("anyOf")
    if options and {"type": "null"} in options and len(options) == 2:
        (other,) = [option for option in node.pop("anyOf") if option != {"type": "null"}]
        node.update({"allOf": [other]} if "$ref" in other else other)
        node["nullable"] = True
    result = {}
    for key, value in node.items():
        if key == "title" and not keep_title:
            continue
        if key == "properties":
            result[key] = {name: _openapi(prop) for name, prop in value.items()}
        else:
            result[key] = _openapi(value)
    return result
