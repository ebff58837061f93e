"""The HTML forms of the case file (WTForms, fields from ``app.core.forms``).

Limits come from the columns the values go to (``column_length``); texts whose column
has no length get ``MAX_TEXT``. Choices that depend on the case (its life domains, the
phases it may go to) are set by the view on the bound form (``form.domain.values``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from app.cases.handover.models import (
    DomainConsent,
    Referral,
    ReferralStatus,
    SharingBasis,
    TrajectoryStatus,
)
from app.cases.models import ALL_LIFE_DOMAINS, Case, Client, CloseOutcome, DomainStatus
from app.cases.plan.models import Anchor, PlanPhase, Responsible, Task, TaskTemplate
from app.core.forms import (
    MAX_INT,
    MAX_TEXT,
    Choice,
    DateValue,
    Flag,
    Form,
    SubmissionKeyField,
    TextField,
    UuidChoice,
    VersionField,
    WholeNumber,
    column_length,
    new_submission_key,
)

__all__ = ["new_submission_key"]

# An address is a Text column; a postal address of more than a few lines is a mistake.
MAX_ADDRESS = 500
MAX_NOTE = 10_000
# The trajectory's cost is saved in cents in an INTEGER.
MAX_COST_EUROS = MAX_INT // 100


class DetailsForm(Form):
    version = VersionField()
    # The client's fields are edited only when the form carries them, then with their version.
    client_version = VersionField()
    address = TextField(_("Address"), max_length=MAX_ADDRESS)
    postal_address = TextField(_("Postal address"), max_length=MAX_ADDRESS)
    intended_address = TextField(_("Intended address after detention"), max_length=MAX_ADDRESS)
    facility = TextField(_("Facility"), max_length=column_length(Case, "facility"))
    detention_start = DateValue(_("Start of detention"))
    expected_release = DateValue(_("Expected release"))
    prolific_offender = Flag(_("Prolific offender"))
    benefit_recipient = Flag(_("Benefit recipient"))
    case_worker_id = UuidChoice(_("Case worker"))

    CLIENT_FIELDS = ("address", "postal_address", "intended_address")

    def client_changes(self) -> dict:
        return {name: getattr(self, name).data for name in self.CLIENT_FIELDS if self.sent(name)}

    def validate(self, extra_validators=None) -> bool:
        if not self.client_changes():
            # Without the client's fields the form needs no client version.
            self.client_version.raw = "0"
        return super().validate(extra_validators)


class PhaseForm(Form):
    version = VersionField()
    phase = Choice(_("New phase"), required=True)
    # Asked when closing (the view refuses a closing without it).
    outcome = Choice(_("Outcome"), values=list(CloseOutcome))
    reason = TextField(_("Reason"))


class ReleaseCorrectionForm(Form):
    version = VersionField()
    released_on = DateValue(_("Correct release date"), required=True)
    reason = TextField(_("Reason for the correction"), required=True)


class VoidSnapshotForm(Form):
    reason = TextField(_("Reason for voiding"), required=True)


class ReleaseForm(Form):
    version = VersionField()
    released_on = DateValue(_("Released on"), required=True)


class DomainForm(Form):
    version = VersionField()
    status = Choice(_("Status"), values=list(DomainStatus), required=True)
    need = TextField(_("Need"))
    notes = TextField(_("Notes"))


class TaskForm(Form):
    submission_key = SubmissionKeyField()
    title = TextField(_("Task"), max_length=column_length(Task, "title"), required=True)
    domain = Choice(_("Life domain"), required=True)
    responsible = Choice(_("Responsible"), values=list(Responsible), required=True)
    due_date = DateValue(_("Due"), required=True)


class TaskDoneForm(Form):
    version = VersionField()
    done = Flag()

    def validate(self, extra_validators=None) -> bool:
        if self.done.raw is None:
            self.done.raw = "1"  # the button's meaning when the form says nothing
        return super().validate(extra_validators)


class NoteForm(Form):
    submission_key = SubmissionKeyField()
    body = TextField(_("New note"), max_length=MAX_NOTE, required=True)


class NoteEditForm(Form):
    version = VersionField()
    body = TextField(_("Note"), max_length=MAX_NOTE, required=True)


class ConsentForm(Form):
    submission_key = SubmissionKeyField()
    domain = Choice(_("Life domain"), required=True)
    basis = Choice(_("Basis"), values=list(SharingBasis), required=True)
    effective_on = DateValue(_("Date"), required=True)
    note = TextField(_("Explanation"), max_length=column_length(DomainConsent, "note"))


class ReferralForm(Form):
    submission_key = SubmissionKeyField()
    # A partner's id or a partner kind (set per request: the municipality's partners).
    partner = Choice(_("Partner"), required=True)
    domain = Choice(_("Life domain"), required=True)
    request = TextField(_("Request"), max_length=column_length(Referral, "request"))


class OutcomeForm(Form):
    version = VersionField()
    status = Choice(_("Outcome"), values=list(ReferralStatus), required=True)
    reason = TextField(_("Reason (when rejected)"))
    outcome = TextField(_("Outcome"))


class TrajectoryForm(Form):
    submission_key = SubmissionKeyField()
    start_date = DateValue(_("Start"), required=True)
    end_date = DateValue(_("End"))
    cost_euros = WholeNumber(_("Cost (EUR)"), minimum=0, maximum=MAX_COST_EUROS)
    # Asked for a second trajectory, or a client of a group the plan leaves out.
    reason = TextField(_("Reason for the hand-over"))


class TrajectoryUpdateForm(Form):
    version = VersionField()
    status = Choice(_("Status"), values=list(TrajectoryStatus), required=True)
    end_date = DateValue(_("End"))


class TransferForm(Form):
    target = WholeNumber(_("Municipality"), minimum=1, required=True)
    reason = TextField(
        _("Reason"),
        required=True,
        required_message=_("Give the reason for the transfer."),
    )
    confirm = Flag(_("I confirm the transfer"))


class ResponsibleForm(Form):
    """The case worker confirms (or chooses) the municipality of responsibility."""

    client_version = VersionField()
    responsible_tenant = Choice(
        _("Municipality of responsibility"),
        required=True,
        required_message=_("Choose the municipality of responsibility."),
    )
    responsible_outside_name = TextField(
        _("Name (outside the region)"),
        max_length=column_length(Client, "responsible_outside_name"),
    )


class TransferAcceptForm(Form):
    case_worker_id = UuidChoice(
        _("Case worker"),
        required=True,
        required_message=_("Choose the case worker of this municipality who takes the case."),
    )


class TransferDeclineForm(Form):
    reason = TextField(
        _("Reason for declining"),
        required=True,
        required_message=_("Give the reason for declining."),
    )


class TemplateForm(Form):
    submission_key = SubmissionKeyField()
    domain = Choice(_("Life domain"), values=[k.value for k in ALL_LIFE_DOMAINS], required=True)
    phase = Choice(_("Phase"), values=list(PlanPhase), required=True)
    title = TextField(_("Task"), max_length=column_length(TaskTemplate, "title"), required=True)
    description = TextField(_("Description"), max_length=MAX_TEXT)
    responsible = Choice(_("Responsible"), values=list(Responsible), required=True)
    anchor = Choice(_("Anchor"), values=list(Anchor), required=True)
    offset_days = WholeNumber(_("Offset in days"), minimum=-730, maximum=730, required=True)
    short_stay_offset_days = WholeNumber(_("Offset for a short stay"), minimum=-730, maximum=730)
    long_stay_only = Flag(_("Long stay only"))
    active = Flag(_("Active"))
    position = WholeNumber(_("Position"), minimum=-MAX_INT, maximum=MAX_INT)

    FIELDS = (
        "domain",
        "phase",
        "title",
        "description",
        "responsible",
        "anchor",
        "offset_days",
        "short_stay_offset_days",
        "long_stay_only",
        "active",
        "position",
    )

    def values(self) -> dict:
        values = {name: getattr(self, name).data for name in self.FIELDS}
        values["position"] = values["position"] or 0
        return values


class TemplateEditForm(TemplateForm):
    version = VersionField()
