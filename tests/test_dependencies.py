"""Libraries with known advisories have at least the fixed versions (security/advisories.toml)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
ADVISORIES = tomllib.loads((ROOT / "security/advisories.toml").read_text())["advisory"]
DEPENDENCIES = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def declared_minimum(package: str) -> Version | None:
    for requirement in DEPENDENCIES:
        match = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)", requirement)
        if match and match.group(1).lower().replace("_", "-") == package:
            return Version(match.group(2))
    return None


@pytest.mark.parametrize("advisory", ADVISORIES, ids=lambda a: f"{a['package']}-{a['id']}")
def test_installed_version_has_the_fix(advisory):
    assert Version(version(advisory["package"])) >= Version(advisory["fixed"]), advisory


@pytest.mark.parametrize("advisory", ADVISORIES, ids=lambda a: f"{a['package']}-{a['id']}")
def test_pyproject_never_allows_a_vulnerable_version(advisory):
    minimum = declared_minimum(advisory["package"])
    assert minimum is not None, f"pin a minimum for {advisory['package']} in pyproject.toml"
    assert minimum >= Version(advisory["fixed"]), advisory


def test_the_table_covers_the_libraries_at_the_doors():
    assert {a["package"] for a in ADVISORIES} >= {
        "authlib",
        "flask",
        "werkzeug",
        "jinja2",
        "sqlalchemy",
        "requests",
    }


def test_bandit_finds_nothing_of_high_severity():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", str(ROOT / "app"), "-lll", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    high = [r for r in report["results"] if r["issue_severity"] == "HIGH"]
    assert high == [], high
    assert report["metrics"]["_totals"]["loc"] > 500  # it really scanned the code
