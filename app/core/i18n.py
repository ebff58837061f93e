"""Locale choice and the template helpers every page uses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache

from flask import current_app, session
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import escape

from app.core.permissions import CENTRE_ONLY_ROLES, Permission, Role, role_has
from app.extensions import babel

ROLE_LABELS = {
    Role.CASE_WORKER: _l("Case worker"),
    Role.TENANT_ADMIN: _l("Municipal administrator"),
    Role.REGIONAL_COORDINATOR: _l("Regional coordinator"),
    Role.VOLUNTEER: _l("Volunteer"),
    Role.PROVIDER_WORKER: _l("Provider worker"),
    Role.PRIVACY_OFFICER: _l("Privacy officer"),
    Role.CIRCLE_COORDINATOR: _l("Circle coordinator"),
}


def escape_lazy_strings() -> None:
    """Flask-Babel's lazy strings declare themselves safe HTML (``__html__`` returns the
    text as it is), so ``_l("… %(role)s …", role=what_someone_typed)`` would reach the page
    unescaped. Our catalogue holds no markup: a lazy string is escaped like any text."""
    LazyString.__html__ = lambda self: str(escape(str(self)))  # noqa: E731


def select_locale() -> str:
    chosen = session.get("locale")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# id of a table -> (the table, its catalogue, the table in that language); the table and
# the catalogue are held so that neither id can be reused by another object.
_TABLES: dict[int, tuple[Mapping, object, dict]] = {}


def in_language(texts: Mapping) -> Mapping:
    """``texts`` (a table of lazy texts fixed at import, such as a module's labels) in the
    request's language: translated once per language and kept. A lazy text finds the
    catalogue through the request's globals every time it is shown (some 35 function
    calls); a case page shows about a hundred labels (2026-12-07)."""
    translations = babel.domain_instance.get_translations()
    kept = _TABLES.get(id(texts))
    if kept is None or kept[1] is not translations:
        kept = (texts, translations, {key: str(text) for key, text in texts.items()})
        _TABLES[id(texts)] = kept
    return kept[2]


def role_label(role: str) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


def can(permission: str) -> bool:
    user = current_user._get_current_object()  # one look through the proxy, not two
    return user.is_authenticated and role_has(user.role, frozenset({Permission(permission)}))


def format_date(value: date | str) -> str:
    """A date in words; an ISO string (as dates are kept in JSON details) is read first."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if type(value) is date:  # a datetime is moved to the user's time zone first
        return _date_in_words(value, str(get_locale()))
    return babel_format_date(value, "long")


@lru_cache(maxsize=4096)
def _date_in_words(value: date, locale: str) -> str:
    """A day's words depend on the day and the language only: a page names the same due
    dates many times, and Babel's formatting was a large part of rendering it."""
    return babel_format_date(value, "long")


def role_choices(centre: bool = False) -> list[tuple[str, str]]:
    """The roles an admin can give; only the centre municipality has a regional coordinator."""
    return [
        (role.value, str(label))
        for role, label in ROLE_LABELS.items()
        if centre or role not in CENTRE_ONLY_ROLES
    ]


def format_datetime(value) -> str:
    return _moment_in_words(value, str(get_locale()), str(get_timezone()))


@lru_cache(maxsize=4096)
def _moment_in_words(value, locale: str, timezone: str) -> str:
    """A moment's words depend on the moment, the language and the time zone only (a page
    shown again names the same moments: its notes, its timeline)."""
    return babel_format_datetime(value, "short")


def template_helpers() -> dict:
    return {
        "current_locale": select_locale(),
        "role_label": role_label,
        "role_choices": role_choices,
        "can": can,
    }


def register_filters(app) -> None:
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.filters["format_datetime"] = format_datetime


def format_cents(cents: int | None) -> str:
    """ "€ 1.500,00": the one way an amount in integer cents is shown (the template filter
    ``cents`` of the money screens, the file's ``money`` helper, the reports)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    grouped = f"{euros:,}".replace(",", ".")
    return f"{sign}€ {grouped},{rest:02d}"
