"""The tenant admin's editor of the plan's task templates (routes on the cases blueprint)."""

from __future__ import annotations

import uuid

from flask import abort, redirect, request, url_for
from sqlalchemy import delete, select

from app.cases import forms
from app.cases.blueprint import bp
from app.cases.models import ALL_LIFE_DOMAINS
from app.cases.plan import services as plan
from app.cases.plan.models import Anchor, PlanPhase, TaskTemplate
from app.core.actions import act, check_version, create_once
from app.core.permissions import Permission, requires
from app.core.rendering import render
from app.extensions import db


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
        new_submission_key=forms.new_submission_key,
        describe_conditions=plan.describe_conditions,
        **context,
    )


@bp.get("/admin/templates")
@requires(Permission.TENANT_ADMIN)
def admin_templates():
    return editor()


def back_to_editor(_result=None):
    return redirect(url_for("cases.admin_templates"))


@bp.post("/admin/templates")
@requires(Permission.TENANT_ADMIN)
def admin_template_add():
    form = forms.TemplateForm()
    if not form.validate():
        return editor(status=422, new_errors=form.error_dict(), new_values=request.form)

    def add():
        plan.templates()  # the default first, when the municipality has no templates yet
        return create_once(
            TaskTemplate, form.submission_key.data, lambda: TaskTemplate(**form.values())
        )

    return act(
        add,
        done=back_to_editor,
        refused=lambda error, status: editor(
            status=status, new_errors={"form": error.message}, new_values=request.form
        ),
    )


@bp.post("/admin/templates/<uuid:template_id>")
@requires(Permission.TENANT_ADMIN)
def admin_template_save(template_id: uuid.UUID):
    template = access_template(template_id)
    form = forms.TemplateEditForm()
    if not form.validate():
        return editor(
            status=422, edit_id=template.id, edit_errors=form.error_dict(), edit_values=request.form
        )

    def save():
        check_version(template, form.version.data)
        for name, value in form.values().items():
            setattr(template, name, value)

    return act(
        save,
        done=back_to_editor,
        refused=lambda error, status: editor(
            status=status,
            edit_id=template_id,
            edit_errors={"form": error.message},
            edit_values=request.form,
        ),
    )


@bp.post("/admin/templates/<uuid:template_id>/delete")
@requires(Permission.TENANT_ADMIN)
def admin_template_delete(template_id: uuid.UUID):
    template = access_template(template_id)
    return act(
        lambda: db.session.delete(template),
        done=back_to_editor,
        refused=lambda error, status: editor(
            status=status, edit_id=template_id, edit_errors={"form": error.message}
        ),
    )


@bp.post("/admin/templates/reset")
@requires(Permission.TENANT_ADMIN)
def admin_templates_reset():
    """Back to the shipped default template (tasks of existing cases stay as they are)."""

    def reset():
        db.session.execute(delete(TaskTemplate))
        plan.install_default_template()

    return act(
        reset,
        done=back_to_editor,
        refused=lambda error, status: editor(status=status, new_errors={"form": error.message}),
    )
