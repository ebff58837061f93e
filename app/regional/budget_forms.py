"""The forms of the budget pages; an amount is written in euros, as "1.500,00" or "1500"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from app.core.forms import (
    Choice,
    DateValue,
    EuroAmount,
    Form,
    SubmissionKeyField,
    TextField,
    VersionField,
    WholeNumber,
    column_length,
)
from app.regional.budget_models import BudgetApproval, BudgetLine, BudgetSource, Commitment


class BudgetLineForm(Form):
    submission_key = SubmissionKeyField()
    year = WholeNumber(_("Year"), minimum=2000, maximum=2100, required=True)
    source = Choice(_("Source"), values=list(BudgetSource), required=True)
    amount = EuroAmount(_("Amount"), required=True)
    description = TextField(_("Description"), max_length=column_length(BudgetLine, "description"))


class PlanningForm(Form):
    year = WholeNumber(_("Year"), minimum=2000, maximum=2100, required=True)
    trajectory_cost = EuroAmount(_("Default cost of a trajectory"), required=True)
    expected_trajectories = WholeNumber(
        _("Expected number of trajectories"), minimum=0, maximum=100_000, required=True
    )


class ApprovalForm(Form):
    submission_key = SubmissionKeyField()
    year = WholeNumber(_("Year"), minimum=2000, maximum=2100, required=True)
    reason = TextField(
        _("Reason"), max_length=column_length(BudgetApproval, "reason"), required=True
    )


class InvoiceForm(Form):
    version = VersionField()
    amount = EuroAmount(_("Invoice amount"), required=True)
    invoice_date = DateValue(_("Invoice date"), required=True)
    reference = TextField(
        _("Invoice reference"),
        max_length=column_length(Commitment, "invoice_reference"),
        required=True,
    )
