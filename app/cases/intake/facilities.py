"""The Dutch prisons an intake may name: the shipped list plus the municipality's own.

The shipped list (``facilities.json``) is data, not code: a new or renamed facility is a
line in that file, and a municipality adds its own on the settings page (the setting
``cases.extra_facilities``, separated by semicolons) without waiting for a release. The
intake accepts a facility written in another case or with extra spaces and stores the
list's spelling.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from app.core.settings import get_setting

SHIPPED = Path(__file__).with_name("facilities.json")


@cache
def shipped_facilities() -> tuple[str, ...]:
    return tuple(json.loads(SHIPPED.read_text(encoding="utf-8"))["facilities"])


def extra_lines(text: str | None) -> list[str]:
    """The municipality's own facilities from the setting, separated by semicolons."""
    return [name.strip() for name in (text or "").split(";") if name.strip()]


def known_facilities() -> list[str]:
    """The shipped list and this municipality's additions (in the current tenant)."""
    extra = extra_lines(get_setting("cases.extra_facilities"))
    return [*shipped_facilities(), *(name for name in extra if name not in shipped_facilities())]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def canonical_facility(value: str, facilities) -> str | None:
    """The list's spelling of ``value``, or None when it is not on the list."""
    wanted = _key(value)
    return next((name for name in facilities if _key(name) == wanted), None)
