"""The main menu: entries that features add in their ``init_app``.

An entry names its endpoint, its label (an English msgid, lazily translated), the
permission that shows it and, where the permission is not enough, a test on the user
(``visible``). ``template`` replaces the link by an include (the notification badge).
The menu keeps the order of ``order``, then of registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from flask_login import current_user

from app.core.permissions import Permission, role_has
from app.core.registry import entries


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object = None
    permission: Permission | None = None
    order: int = 100
    visible: Callable[[object], bool] | None = None
    template: str | None = None
    # Shown only when none of these permissions is held (an "invite" link beside "accounts").
    unless: Permission | None = None


def add_nav_entry(app: Flask, endpoint: str, label=None, **options) -> NavEntry:
    entry = NavEntry(endpoint, label, **options)
    entries("navigation", app).append(entry)
    return entry


def _shown(entry: NavEntry, user) -> bool:
    if entry.permission is not None and not role_has(user.role, frozenset({entry.permission})):
        return False
    if entry.unless is not None and role_has(user.role, frozenset({entry.unless})):
        return False
    return entry.visible is None or bool(entry.visible(user))


def navigation() -> list[NavEntry]:
    """The entries the signed-in user sees, in menu order."""
    if not current_user.is_authenticated:
        return []
    listed = sorted(enumerate(entries("navigation")), key=lambda pair: (pair[1].order, pair[0]))
    return [entry for _index, entry in listed if _shown(entry, current_user)]
