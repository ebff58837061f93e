"""The tenant admin's forms for the municipality's partners."""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from app.cases.partners.models import Partner, PartnerKind
from app.core.forms import (
    Choice,
    Flag,
    Form,
    SubmissionKeyField,
    TextField,
    UuidChoice,
    VersionField,
    column_length,
)


def _text(label, name: str, **kwargs) -> TextField:
    return TextField(label, max_length=column_length(Partner, name), **kwargs)


class PartnerFields(Form):
    name = _text(_("Name"), "name", required=True)
    kind = Choice(_("Kind"), values=list(PartnerKind), required=True)
    contact_name = _text(_("Contact person"), "contact_name")
    email = _text(_("E-mail address"), "email")
    phone = _text(_("Phone"), "phone")
    address = _text(_("Address"), "address")
    takes_referrals = Flag(_("Takes referrals"))
    takes_trajectories = Flag(_("Carries out trajectories (care director)"))
    active = Flag(_("In use"))

    FIELDS = (
        "name",
        "kind",
        "contact_name",
        "email",
        "phone",
        "address",
        "takes_referrals",
        "takes_trajectories",
        "active",
    )

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in self.FIELDS}


class PartnerAddForm(PartnerFields):
    submission_key = SubmissionKeyField()


class PartnerEditForm(PartnerFields):
    version = VersionField()


class StaffForm(Form):
    user_id = UuidChoice(_("Account"), required=True)
    action = Choice(_("Action"), values=["bind", "unbind"], required=True)
