"""The forms of the grant pages: a distribution (the grant and one number per
municipality), its approval, a regional expense and a report's year."""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from app.core.forms import (
    Choice,
    DateValue,
    EuroAmount,
    Form,
    SubmissionKeyField,
    TextField,
    WholeNumber,
    column_length,
)
from app.core.tenants import Tenant
from app.regional.grant_models import DistributionKey, GrantApproval, RegionalExpense

MAX_WEIGHT = 1_000_000


def weight_field(tenant: Tenant) -> str:
    return f"weight_{tenant.id}"


class DistributionForm(Form):
    submission_key = SubmissionKeyField()
    year = WholeNumber(_("Year"), minimum=2000, maximum=2100, required=True)
    total = EuroAmount(_("Grant of the region"), required=True)
    key_kind = Choice(_("Distribution key"), values=list(DistributionKey), required=True)
    reference_year = WholeNumber(_("Reference year"), minimum=1990, maximum=2100)


def distribution_form(municipalities: list[Tenant]) -> DistributionForm:
    """The form with one whole number per municipality of the region."""

    class RegionDistributionForm(DistributionForm):
        pass

    for tenant in municipalities:
        setattr(
            RegionDistributionForm,
            weight_field(tenant),
            WholeNumber(tenant.name, minimum=0, maximum=MAX_WEIGHT, required=True),
        )
    return RegionDistributionForm()


class ApprovalForm(Form):
    submission_key = SubmissionKeyField()
    reason = TextField(_("Reason"), max_length=column_length(GrantApproval, "reason"))


class ExpenseForm(Form):
    submission_key = SubmissionKeyField()
    year = WholeNumber(_("Year"), minimum=2000, maximum=2100, required=True)
    amount = EuroAmount(_("Amount"), required=True)
    spent_on = DateValue(_("Date"), required=True)
    description = TextField(
        _("Description"),
        max_length=column_length(RegionalExpense, "description"),
        required=True,
    )


class ReportForm(Form):
    year = WholeNumber(_("Year"), minimum=2000, maximum=2100, required=True)
