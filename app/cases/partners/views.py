"""The tenant admin's pages for the municipality's partners (routes on the cases blueprint):
the list with the form to add one, and a partner's page with its details and the provider
workers bound to it."""

from __future__ import annotations

import uuid

from flask import redirect, url_for
from flask_babel import lazy_gettext as _
from flask_login import current_user

from app.cases.blueprint import bp
from app.cases.labels import PARTNER_KIND_LABELS
from app.cases.partners import forms
from app.cases.partners import services as partners
from app.core.actions import act
from app.core.forms import new_submission_key
from app.core.permissions import Permission, requires
from app.core.rendering import render


def _list_page(form=None, status: int = 200):
    return render(
        "cases/admin_partners.html",
        status=status,
        partners=partners.partners(),
        form=form or forms.PartnerAddForm(data={"takes_referrals": True, "active": True}),
        new_key=new_submission_key(),
        kinds=PARTNER_KIND_LABELS,
    )


def _partner_page(partner, form=None, staff_errors=None, status: int = 200):
    return render(
        "cases/admin_partner.html",
        status=status,
        partner=partner,
        form=form or forms.PartnerEditForm(obj=partner),
        staff=partners.staff_of(partner),
        candidates=partners.unbound_provider_workers(),
        staff_errors=staff_errors or {},
        kinds=PARTNER_KIND_LABELS,
    )


def _refused_on(form, page):
    def refused(error, status):
        field = getattr(form, error.field or "", None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [error.message]
            return page(status)
        form.form_errors.append(error.message)
        return page(status)

    return refused


@bp.get("/admin/partners")
@requires(Permission.TENANT_ADMIN)
def admin_partners():
    return _list_page()


@bp.post("/admin/partners")
@requires(Permission.TENANT_ADMIN)
def admin_partner_add():
    form = forms.PartnerAddForm()
    if not form.validate():
        return _list_page(form, 422)
    return act(
        lambda: partners.add_partner(form.values(), form.submission_key.data),
        done=lambda _row: redirect(url_for("cases.admin_partners")),
        refused=_refused_on(form, lambda status: _list_page(form, status)),
        message=_("The partner has been saved."),
    )


@bp.get("/admin/partners/<uuid:partner_id>")
@requires(Permission.TENANT_ADMIN)
def admin_partner(partner_id: uuid.UUID):
    return _partner_page(partners.access_partner(current_user, partner_id))


@bp.post("/admin/partners/<uuid:partner_id>")
@requires(Permission.TENANT_ADMIN)
def admin_partner_save(partner_id: uuid.UUID):
    partner = partners.access_partner(current_user, partner_id)
    form = forms.PartnerEditForm()
    if not form.validate():
        return _partner_page(partner, form, status=422)
    return act(
        lambda: partners.save_partner(partner, form.values(), form.version.data),
        done=lambda _row: redirect(url_for("cases.admin_partner", partner_id=partner_id)),
        refused=_refused_on(form, lambda status: _partner_page(partner, form, status=status)),
        message=_("The partner has been saved."),
    )


@bp.post("/admin/partners/<uuid:partner_id>/staff")
@requires(Permission.TENANT_ADMIN)
def admin_partner_staff(partner_id: uuid.UUID):
    partner = partners.access_partner(current_user, partner_id)
    form = forms.StaffForm()
    if not form.validate():
        errors = form.error_dict()
        if "action" in errors:  # a hidden field: its message above the list
            errors.setdefault("form", errors.pop("action"))
        return _partner_page(partner, staff_errors=errors, status=422)

    def work():
        if form.action.data == "bind":
            return partners.bind_staff(partner, form.user_id.data, current_user)
        return partners.unbind_staff(partner, form.user_id.data)

    return act(
        work,
        done=lambda _row: redirect(url_for("cases.admin_partner", partner_id=partner_id)),
        refused=lambda error, status: _partner_page(
            partner, staff_errors={error.field or "form": error.message}, status=status
        ),
        message=_("The provider workers have been saved."),
    )
