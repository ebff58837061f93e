"""Reading security/authorization-matrix.toml (its header documents the format)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import Flask

from app.core.permissions import Role

MATRIX_PATH = Path(__file__).resolve().parents[2] / "security" / "authorization-matrix.toml"
ANONYMOUS = "anonymous"
ACTORS = (*(role.value for role in Role), ANONYMOUS)
DENIED = "denied"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
UNLISTED_ENDPOINTS = {"static"}


@dataclass(frozen=True)
class Answer:
    allowed: bool
    fields: frozenset[str]


@cache
def load() -> dict:
    with MATRIX_PATH.open("rb") as handle:
        return tomllib.load(handle)


def field_names() -> frozenset[str]:
    return frozenset(load()["fields"])


def entries() -> dict[tuple[str, str], dict]:
    return {
        (endpoint, method): table
        for endpoint, methods in load()["endpoints"].items()
        for method, table in methods.items()
    }


def answer(endpoint: str, method: str, actor: str) -> Answer:
    value = entries()[(endpoint, method)][actor]
    if value == DENIED:
        return Answer(False, frozenset())
    return Answer(True, frozenset(value))


def routes(app: Flask) -> dict[tuple[str, str], object]:
    """(endpoint, method) -> its rule, for every route the matrix must cover."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNLISTED_ENDPOINTS:
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            found[(rule.endpoint, method)] = rule
    return found


def how_to_add(app: Flask, endpoint: str, method: str) -> str:
    """A table to paste, allowed and denied as the view declares (fields still to fill in)."""
    from app.core.permissions import PUBLIC, declared_permissions, role_has

    declaration = declared_permissions(app.view_functions[endpoint])
    lines = [f'[endpoints."{endpoint}".{method}]']
    for actor in ACTORS:
        if declaration == PUBLIC or (
            declaration is not None and actor != ANONYMOUS and role_has(actor, declaration)
        ):
            lines.append(f"{actor} = []   # the fields of client data it shows, see [fields]")
        else:
            lines.append(f'{actor} = "denied"')
    return "\n".join(lines)
