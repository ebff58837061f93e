"""Write the intake document's schema into docs/openapi.yaml from the pydantic model.

    python scripts/openapi_schema.py          # rewrite the generated schemas
    python scripts/openapi_schema.py --check  # exit 1 when the file and the model differ

Only the generated entries under components/schemas are replaced (the document, its
life domains); the paths and the other schemas stay as written by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SPEC = ROOT / "docs" / "openapi.yaml"

from app.cases.intake.schema import intake_schemas  # noqa: E402 - after the path


def main(check: bool) -> int:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    generated = intake_schemas()
    if all(schemas.get(name) == body for name, body in generated.items()):
        return 0
    if check:
        print(f"{SPEC} differs from the model: run python scripts/openapi_schema.py")
        return 1
    schemas.update(generated)
    text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
    SPEC.write_text(text, encoding="utf-8")
    print(f"wrote {', '.join(generated)} into {SPEC}")
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
