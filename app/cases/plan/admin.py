"""The tenant admin's editor of the plan's task templates (routes on the cases blueprint)."""

from __future__ import annotations

import uuid

from flask import abort, redirect, request, url_for
from flask_babel import lazy_gettext as _
from sqlalchemy import delete, select

from app.cases import forms
from app.cases.blueprint import bp
from app.cases.models import ALL_LIFE_DOMAINS
from app.cases.plan import services as plan
from app.cases.plan.models import Anchor, PlanPhase, Responsible, TaskTemplate
from app.cases.services import conflict_message
from app.core.permissions import Permission, requires
from app.core.rendering import render
from app.extensions import db


def parse_template(form) -> tuple[dict, forms.FormErrors]:
    errors = forms.FormErrors()
    values = {
        "domain": forms.choice(form, "domain", [k.value for k in ALL_LIFE_DOMAINS], errors),
        "phase": forms.choice(form, "phase", list(PlanPhase), errors),
        "title": forms.text(form, "title", 200),
        "description": forms.text(form, "description", 4000),
        "responsible": forms.choice(form, "responsible", list(Responsible), errors),
        "anchor": forms.choice(form, "anchor", list(Anchor), errors),
        "offset_days": forms.parse_int(form, "offset_days", errors, required=True),
        "short_stay_offset_days": forms.parse_int(form, "short_stay_offset_days", errors),
        "long_stay_only": forms.parse_bool(form, "long_stay_only"),
        "active": forms.parse_bool(form, "active"),
        "position": forms.parse_int(form, "position", errors) or 0,
    }
    if not values["title"]:
        errors["title"] = _("This field is required.")
    for name in ("offset_days", "short_stay_offset_days"):
        if values[name] is not None and not -730 <= values[name] <= 730:
            errors[name] = _("Use an offset of at most two years.")
    return values, errors


def access_template(template_id: uuid.UUID) -> TaskTemplate:
    template = db.session.scalars(
        select(TaskTemplate).where(TaskTemplate.id == template_id)
    ).one_or_none()
    if template is None:
        abort(404)
    return template


def editor(status: int = 200, **context):
    rows = plan.templates(include_inactive=True, install=False)
    # Before the municipality has templates of its own the page shows the default, unsaved:
    # a GET writes nothing. Adding a template or taking the default over saves it.
    preview = not rows
    return render(
        "cases/admin_templates.html",
        status=status,
        templates=plan.default_template_preview() if preview else rows,
        preview=preview,
        domains=[k.value for k in ALL_LIFE_DOMAINS],
        plan_phases=list(PlanPhase),
        anchors=list(Anchor),
        describe_conditions=plan.describe_conditions,
        **context,
    )


@bp.get("/admin/templates")
@requires(Permission.TENANT_ADMIN)
def admin_templates():
    return editor()


@bp.post("/admin/templates")
@requires(Permission.TENANT_ADMIN)
def admin_template_add():
    values, errors = parse_template(request.form)
    if errors:
        return editor(status=422, new_errors=errors, new_values=request.form)
    plan.templates()  # the default first, when the municipality has no templates yet
    db.session.add(TaskTemplate(**values))
    db.session.commit()
    return redirect(url_for("cases.admin_templates"))


@bp.post("/admin/templates/<uuid:template_id>")
@requires(Permission.TENANT_ADMIN)
def admin_template_save(template_id: uuid.UUID):
    template = access_template(template_id)
    values, errors = parse_template(request.form)
    version = forms.parse_version(request.form, errors)
    if not errors and version != template.version:
        errors["form"] = conflict_message()
    if errors:
        return editor(
            status=409 if "form" in errors else 422,
            edit_id=template.id,
            edit_errors=errors,
            edit_values=request.form,
        )
    for name, value in values.items():
        setattr(template, name, value)
    db.session.commit()
    return redirect(url_for("cases.admin_templates"))


@bp.post("/admin/templates/<uuid:template_id>/delete")
@requires(Permission.TENANT_ADMIN)
def admin_template_delete(template_id: uuid.UUID):
    db.session.delete(access_template(template_id))
    db.session.commit()
    return redirect(url_for("cases.admin_templates"))


@bp.post("/admin/templates/reset")
@requires(Permission.TENANT_ADMIN)
def admin_templates_reset():
    """Back to the shipped default template (tasks of existing cases stay as they are)."""
    db.session.execute(delete(TaskTemplate))
    plan.install_default_template()
    db.session.commit()
    return redirect(url_for("cases.admin_templates"))
