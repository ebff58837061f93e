"""The per-tenant settings store: a feature registers its settings, the store keeps values.

A feature registers each setting in its ``init_app`` with ``register_setting(app, key,
type, default, label, minimum=..., maximum=..., max_length=...)``; the values live in one
platform-neutral table ``tenant_settings`` (tenant_id, key, value as JSON), so a new setting
needs no migration of another package. A tenant without a stored value has the default.

- ``get_setting(key)`` reads the current tenant's value: the tenant's rows are read once
  per request or job (cached in ``g`` under the tenant's id) and dropped on a rollback.
- ``set_setting(key, value)`` validates against the registration (type, bounds, length)
  and raises ``Refused`` with a Dutch message; it flushes, never commits.
- ``settings_form(app)`` builds the WTForms form of every registered, editable setting
  (the tenant admin's settings page renders it); ``settings_version()`` is its row version.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_app_context, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Integer, String, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.actions import Conflict, Refused, act
from app.core.db import TenantScoped, Timestamped
from app.core.forms import Flag, Form, TextField, VersionField, WholeNumber
from app.core.registry import entries
from app.core.rendering import render
from app.core.tenancy import current_tenant_id
from app.extensions import db

TYPES = (int, bool, str)
MAX_KEY = 80
_CACHE = "_nazorg_tenant_settings"


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    label: Any
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    required: bool = True
    required_message: Any = None
    editable: bool = True  # False: kept by the feature's own code, not on the settings page
    group: str = ""
    group_label: Any = None

    @property
    def field_name(self) -> str:
        """The form field: the key after its feature's prefix (``cases.x`` -> ``x``)."""
        return self.key.split(".", 1)[-1]


class TenantSetting(TenantScoped, Timestamped, db.Model):
    """One setting's value of one municipality (absent: the registered default)."""

    __tablename__ = "tenant_settings"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(String(MAX_KEY), info={"label": _l("Setting")})
    value: Mapped[Any] = mapped_column(JSON, info={"label": _l("Value")})
    version: Mapped[int] = mapped_column(Integer, default=1, info={"technical": True})


def register_setting(
    app: Flask, key: str, type: type, default: Any, label: Any, **options: Any
) -> Setting:
    """Declare a setting of ``app`` (in a feature's ``init_app``)."""
    if type not in TYPES:
        raise ValueError(f"setting {key}: type must be int, bool or str")
    setting = Setting(key, type, default, label, **options)
    taken = {(s.key, s.field_name) for s in entries("settings", app)}
    if len(key) > MAX_KEY or any(setting.key == k or setting.field_name == f for k, f in taken):
        raise ValueError(f"setting {key}: key too long, or it or its field registered twice")
    if setting.field_name == "version":
        raise ValueError(f"setting {key}: the field name version is the form's")
    entries("settings", app).append(setting)
    app.extensions.pop("nazorg.settings_forms", None)
    return setting


def registered(app: Flask | None = None) -> list[Setting]:
    return list(entries("settings", app))


def registration(key: str) -> Setting:
    for setting in entries("settings"):
        if setting.key == key:
            return setting
    raise KeyError(f"no setting {key} registered")


def _rows() -> dict[str, tuple[Any, int]]:
    """key -> (value, version) of the current tenant, read once per request (or job) and
    tenant; plain values, so that a closed session leaves nothing detached behind."""
    tenant = current_tenant_id(db.session)
    cache = g.setdefault(_CACHE, {})
    if tenant not in cache:
        cache[tenant] = {
            key: (value, version)
            for key, value, version in db.session.execute(
                select(TenantSetting.key, TenantSetting.value, TenantSetting.version)
            )
        }
    return cache[tenant]


def get_setting(key: str) -> Any:
    setting = registration(key)
    stored = _rows().get(key)
    return setting.default if stored is None else stored[0]


def settings_version(settings: list[Setting] | None = None) -> int:
    """A number that grows with every saved change of these settings (all by default)."""
    keys = {s.key for s in settings} if settings is not None else None
    return sum(version for key, (_v, version) in _rows().items() if keys is None or key in keys)


def validate(setting: Setting, value: Any) -> Any:
    """``value`` as the setting's type, or ``Refused`` with a Dutch message."""
    if setting.type is bool:
        if not isinstance(value, bool):
            raise Refused(_l("Choose one of the options."), field=setting.field_name)
        return value
    if setting.type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refused(_l("Enter a whole number."), field=setting.field_name)
        low = setting.minimum if setting.minimum is not None else -(2**31)
        high = setting.maximum if setting.maximum is not None else 2**31 - 1
        if not low <= value <= high:
            raise Refused(
                _l("Choose a number from %(min)s to %(max)s.", min=low, max=high),
                field=setting.field_name,
            )
        return value
    if value is None and not setting.required:
        return None
    if not isinstance(value, str) or (setting.required and not value.strip()):
        raise Refused(_l("This field is required."), field=setting.field_name)
    if len(value) > setting.max_length:
        raise Refused(
            _l(
                "Use at most %(n)s characters (now %(length)s).",
                n=setting.max_length,
                length=len(value),
            ),
            field=setting.field_name,
        )
    return value


def set_setting(key: str, value: Any) -> None:
    """Store the current tenant's value of ``key`` after checking it; flushes."""
    setting = registration(key)
    value = validate(setting, value)
    rows = _rows()
    row = db.session.scalars(select(TenantSetting).where(TenantSetting.key == key)).one_or_none()
    if row is None:
        row = TenantSetting(id=uuid.uuid4(), key=key, value=value, version=1)
        db.session.add(row)
    elif row.value != value:
        row.value = value
        row.version = (row.version or 0) + 1
    db.session.flush()
    rows[key] = (row.value, row.version)


# --- the settings page's form --------------------------------------------------------------


def _field(setting: Setting):
    if setting.type is bool:
        return Flag(setting.label)
    if setting.type is int:
        low = setting.minimum if setting.minimum is not None else -(2**31)
        high = setting.maximum if setting.maximum is not None else 2**31 - 1
        return WholeNumber(setting.label, minimum=low, maximum=high, required=setting.required)
    return TextField(
        setting.label,
        max_length=setting.max_length,
        required=setting.required,
        required_message=setting.required_message,
    )


def editable_settings(group: str | None = None, app: Flask | None = None) -> list[Setting]:
    """The settings the settings page shows (of one group, or all), in registration order."""
    return [s for s in registered(app) if s.editable and (group is None or s.group == group)]


def groups(settings: list[Setting]) -> list[tuple[Any, list[Setting]]]:
    """``settings`` in groups of (group label, settings), for headings on the page."""
    found: dict[str, tuple[Any, list[Setting]]] = {}
    for setting in settings:
        found.setdefault(setting.group, (setting.group_label, []))[1].append(setting)
    return list(found.values())


def settings_form_class(group: str | None = None) -> type[Form]:
    """A WTForms form with a field per editable registered setting and the row version."""
    cache = current_app.extensions.setdefault("nazorg.settings_forms", {})
    if group not in cache:
        fields = {s.field_name: _field(s) for s in editable_settings(group)}
        cache[group] = type("TenantSettingsForm", (Form,), {"version": VersionField(), **fields})
    return cache[group]


def settings_form(group: str | None = None, formdata=None) -> Form:
    """The form, filled from the posted data, or (no data) from the stored values."""
    form_class = settings_form_class(group)
    if formdata is not None:
        return form_class(formdata=formdata)
    shown = editable_settings(group)
    data = {s.field_name: get_setting(s.key) for s in shown}
    return form_class(formdata=None, data={**data, "version": settings_version(shown)})


def save_settings_form(form: Form, group: str | None = None) -> None:
    """Store every field of a validated settings form (a service: flushes, no commit);
    ``Conflict`` when the settings changed since the form was loaded."""
    shown = editable_settings(group)
    if settings_version(shown) != form.version.data:
        raise Conflict()
    for setting in shown:
        set_setting(setting.key, getattr(form, setting.field_name).data)


def settings_page(
    group: str | None,
    template: str,
    endpoint: str,
    message=None,
    show_only: bool = False,
    **context,
):
    """The view of a settings page: GET shows the stored values, POST validates and saves
    through ``act`` (422 with the messages next to their fields, 409 on a newer save).
    ``show_only``: show the stored values whatever the method (another form of the page
    was posted)."""
    shown = editable_settings(group)

    def page(form, status=200, alert=None):
        if alert is None and form.version.errors:  # a hidden field: its message on top
            alert = form.version.errors[0]
        return render(
            template,
            status=status,
            form=form,
            setting_groups=[
                (label, [form[s.field_name] for s in items]) for label, items in groups(shown)
            ],
            alert=alert,
            **context,
        )

    if show_only or request.method != "POST":
        return page(settings_form(group))
    form = settings_form(group, formdata=request.form)
    if not form.validate():
        return page(form, 422)

    def refused(error, status):
        if error.field and error.field in form:
            form[error.field].errors = [error.message]
            return page(form, status)
        return page(form, status, alert=error.message)

    return act(
        lambda: save_settings_form(form, group),
        done=lambda _result: redirect(url_for(endpoint)),
        refused=refused,
        message=message,
    )


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction) -> None:
    if has_app_context():
        g.pop(_CACHE, None)
