"""The forms of the budget pages; an amount is written in euros, as "1.500,00" or "1500"."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _
from wtforms.validators import StopValidation

from app.core.forms import (
    MAX_INT,
    Choice,
    DateValue,
    Form,
    SubmissionKeyField,
    TextField,
    VersionField,
    WholeNumber,
    column_length,
)
from app.regional.budget_models import BudgetApproval, BudgetLine, BudgetSource, Commitment

_AMOUNT = re.compile(r"(?:€\s*)?(\d{1,3}(?:\.\d{3})+|\d{1,9})(?:,(\d{1,2}))?")


class Amount(TextField):
    """An amount in euros with at most two decimals after a comma; kept in cents."""

    def parse(self, text: str) -> int:
        text = super().parse(text)
        match = _AMOUNT.fullmatch(text.replace(" ", "") if text.startswith("€") else text)
        if match is None:
            raise StopValidation(_("Enter an amount in euros, such as 1.500,00."))
        euros = int(match.group(1).replace(".", ""))
        cents = int((match.group(2) or "0").ljust(2, "0"))
        value = euros * 100 + cents
        if value > MAX_INT:
            raise StopValidation(_("This amount is too large."))
        return value


class BudgetLineForm(Form):
    submission_key = SubmissionKeyField()
    year = WholeNumber(_("Year"), minimum=2000, maximum=2100, required=True)
    source = Choice(_("Source"), values=list(BudgetSource), required=True)
    amount = Amount(_("Amount"), required=True)
    description = TextField(_("Description"), max_length=column_length(BudgetLine, "description"))


class PlanningForm(Form):
    year = WholeNumber(_("Year"), minimum=2000, maximum=2100, required=True)
    trajectory_cost = Amount(_("Default cost of a trajectory"), required=True)
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
    amount = Amount(_("Invoice amount"), required=True)
    invoice_date = DateValue(_("Invoice date"), required=True)
    reference = TextField(
        _("Invoice reference"),
        max_length=column_length(Commitment, "invoice_reference"),
        required=True,
    )
