"""The provider worker's forms (progress, the proposed end, the invoice) and the tenant
admin's decision on an invoice."""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from app.cases.handover.models import TrajectoryInvoice, TrajectoryReport
from app.core.forms import (
    MAX_TEXT,
    Choice,
    DateValue,
    EuroAmount,
    Form,
    SubmissionKeyField,
    TextField,
    VersionField,
    column_length,
)


class ProgressForm(Form):
    submission_key = SubmissionKeyField()
    domain = Choice(_("Life domain"), required=True)
    body = TextField(_("Progress"), max_length=MAX_TEXT, required=True)


class EndForm(Form):
    submission_key = SubmissionKeyField()
    proposed_end = DateValue(_("Proposed end"), required=True)
    body = TextField(
        _("Explanation"), max_length=column_length(TrajectoryReport, "body"), required=True
    )


class InvoiceForm(Form):
    submission_key = SubmissionKeyField()
    amount = EuroAmount(_("Amount (EUR)"), required=True)
    invoice_date = DateValue(_("Invoice date"), required=True)
    reference = TextField(
        _("Invoice reference"),
        max_length=column_length(TrajectoryInvoice, "reference"),
        required=True,
    )


class DecisionForm(Form):
    version = VersionField()
    decision = Choice(_("Decision"), values=["approve", "reject"], required=True)
    reason = TextField(_("Reason (when rejected)"), max_length=MAX_TEXT)
