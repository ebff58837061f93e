"""Parsing form input into typed values; errors are Dutch messages per field."""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import lazy_gettext as _

# The database's INTEGER: a larger number would fail there instead of in the form.
MAX_INT = 2**31 - 1


class FormErrors(dict):
    """field -> message; falsy when the input is valid."""


def text(form, name: str, max_length: int | None = None) -> str | None:
    value = (form.get(name) or "").strip()
    if max_length is not None:
        value = value[:max_length]
    return value or None


def parse_date(form, name: str, errors: FormErrors, *, required: bool = False) -> date | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            errors[name] = _("This field is required.")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Enter a date as YYYY-MM-DD.")
        return None


def parse_bool(form, name: str) -> bool:
    return (form.get(name) or "").lower() in {"1", "on", "true", "yes", "ja"}


def parse_int(form, name: str, errors: FormErrors, *, required: bool = False) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            errors[name] = _("This field is required.")
        return None
    try:
        value = int(raw)
    except ValueError:
        errors[name] = _("Enter a whole number.")
        return None
    if abs(value) > MAX_INT:
        errors[name] = _("This number is too large.")
        return None
    return value


def parse_version(form, errors: FormErrors, name: str = "version") -> int | None:
    """The version of the row the form was loaded with. Required: without it a save could
    silently overwrite a change made since (the conflict check needs it)."""
    value = parse_int(form, name, errors, required=True)
    if name in errors:
        errors[name] = _("This form is incomplete: reload the page and save again.")
    return value


def new_submission_key() -> str:
    """A one-time key for a create form, rendered into it as ``submission_key``."""
    return str(uuid.uuid4())


def parse_submission_key(form, errors: FormErrors) -> uuid.UUID | None:
    """The create form's one-time key: a second POST of the same form creates nothing.

    A form without one (no form of the portal) is saved as it comes.
    """
    raw = (form.get("submission_key") or "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        errors["submission_key"] = _("This form is incomplete: reload the page and save again.")
        return None


def parse_uuid(form, name: str) -> uuid.UUID | None:
    raw = (form.get(name) or "").strip()
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def choice(form, name: str, options, errors: FormErrors, *, default=None):
    raw = (form.get(name) or "").strip()
    if not raw:
        if default is None:
            errors[name] = _("This field is required.")
        return default
    values = {o.value if hasattr(o, "value") else o for o in options}
    if raw not in values:
        errors[name] = _("Choose one of the options.")
        return default
    return raw
