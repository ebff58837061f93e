"""The check list's pages (routes on the cases blueprint): the waiting documents, and one
document beside the known client with the case worker's decision."""

from __future__ import annotations

import uuid

from flask import redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.audit.tracking import note_access
from app.cases.blueprint import bp
from app.cases.intake import checklist
from app.cases.intake.checklist import CheckDecision, IntakeCheck
from app.cases.intake.services import Source, receive_intake_once
from app.cases.models import Client
from app.core.actions import act
from app.core.audit import report_refused_access
from app.core.forms import Choice, Form, TextField
from app.core.permissions import Permission, requires
from app.core.rendering import render
from app.extensions import db

# What the page sets side by side: (label, the client's attribute, the document's field).
COMPARED = (
    (_l("Given name"), "given_name"),
    (_l("Family name"), "family_name"),
    (_l("Date of birth"), "date_of_birth"),
    (_l("Address"), "address"),
)


DECISION_LABELS = {
    CheckDecision.SAME_PERSON: _l("Same person: take the document in for the known client"),
    CheckDecision.OTHER_PERSON: _l("Another person: refuse the document (the number is wrong)"),
    CheckDecision.REFUSE: _l("Refuse the document for another reason"),
}


def _labels() -> dict:
    return {
        "check_status_label": checklist.status_label,
        "check_decisions": lambda: [(d.value, str(text)) for d, text in DECISION_LABELS.items()],
    }


class DecisionForm(Form):
    decision = Choice(
        _l("Decision"),
        values=list(CheckDecision),
        required=True,
        required_message=_l("Choose a decision."),
    )
    reason = TextField(_l("Reason"), max_length=checklist.REASON_LENGTH)


def access_check(check_id: uuid.UUID) -> IntakeCheck:
    """The check of this municipality; another's (or none) is 404 and logged."""
    check = db.session.scalars(select(IntakeCheck).where(IntakeCheck.id == check_id)).one_or_none()
    if check is None:
        report_refused_access(current_user, "intake_check", str(check_id))
        raise NotFound()
    return check


@bp.get("/intake/checks")
@requires(Permission.CASE_WRITE)
def intake_checks():
    waiting = checklist.waiting_checks()
    decided = checklist.decided_checks()
    clients = {c.id: c for c in _clients_of(waiting + decided)}
    return render(
        "cases/intake_checks.html",
        waiting=waiting,
        decided=decided,
        clients=clients,
        **_labels(),
    )


def _clients_of(checks: list[IntakeCheck]) -> list:
    from_ids = {check.client_id for check in checks}
    if not from_ids:
        return []
    return list(db.session.scalars(select(Client).where(Client.id.in_(from_ids))))


def _check_page(check: IntakeCheck, form: DecisionForm, status: int = 200, alert=None):
    client = checklist.known_client(check)
    note_access(
        tenant_id=check.tenant_id,
        client_id=client.id,
        object_type="intake_check",
        object_id=check.id,
    )
    document = check.document
    rows = [(label, getattr(client, name), document.get(name)) for label, name in COMPARED]
    return render(
        "cases/intake_check.html",
        status=status,
        check=check,
        client=client,
        document=document,
        rows=rows,
        form=form,
        alert=alert,
        **_labels(),
    )


@bp.get("/intake/checks/<uuid:check_id>")
@requires(Permission.CASE_WRITE)
def intake_check(check_id: uuid.UUID):
    check = access_check(check_id)
    return _check_page(check, DecisionForm())


@bp.post("/intake/checks/<uuid:check_id>")
@requires(Permission.CASE_WRITE)
def intake_check_decide(check_id: uuid.UUID):
    check = access_check(check_id)
    form = DecisionForm()
    if not form.validate():
        return _check_page(check, form, 422)
    decision = CheckDecision(form.decision.data)

    def decide():
        if decision is CheckDecision.SAME_PERSON and check.is_waiting:
            # Taken in as for the known client: the intake service with the client confirmed.
            result = receive_intake_once(
                check.received_document(),
                current_user,
                Source(check.source),
                confirmed_client_id=check.client_id,
            )
            checklist.record_decision(check, decision, current_user, form.reason.data)
            return result.case_id
        checklist.record_decision(check, decision, current_user, form.reason.data)
        return None

    def done(case_id):
        if case_id is not None:
            return redirect(url_for("cases.case_detail", case_id=case_id))
        return redirect(url_for("cases.intake_checks"))

    def refused(error, status):
        if error.field and error.field in form:
            form[error.field].errors = [error.message]
            return _check_page(check, form, status)
        return _check_page(check, form, status, alert=error.message)

    return act(
        decide,
        done=done,
        refused=refused,
        message=_l("The decision has been saved."),
    )
