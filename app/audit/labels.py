"""Dutch labels for what the access log and the destruction list store as codes.

The log keeps codes (``read``, ``granted``, ``case``, ``closed_case``, table names) so that
it stays comparable over the years; people see these labels (msgids in English, text in
the catalogue). An unknown code is shown as it is rather than hidden: a later feature
that logs a new object type still shows up, and a missing label is visible.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.audit.models import AccessAction
from app.cases.labels import INTAKE_SOURCE_LABELS

ACTION_LABELS = {
    AccessAction.READ.value: _l("Viewed"),
    AccessAction.CHANGE.value: _l("Changed"),
    AccessAction.SEARCH.value: _l("Searched"),
    AccessAction.EXPORT.value: _l("Exported"),
    AccessAction.PRINT.value: _l("Printed"),
    AccessAction.REVEAL.value: _l("Citizen number shown"),
}
GRANTED = "granted"
FAILED_PREFIX = "failed "
OBJECT_LABELS = {
    "case": _l("Case file"),
    "case_list": _l("Case list"),
    "intake": _l("Intake"),
    "access_report": _l("Access report"),
    "subject_access": _l("Access request"),
    "client": _l("Client"),
}
RULE_LABELS = {
    "closed_case": _l("Closed case file"),
    "detention_notice": _l("Notices of detention start and end"),
    "access_log": _l("Access log"),
    "security_log": _l("Security log"),
    "job_arguments": _l("Data of background jobs"),
    "transfer_tombstone": _l("Name on a transferred case"),
}
# Record types (singular) and the tables counted on the destruction list (plural).
RECORD_TYPE_LABELS = {
    "case": _l("Case file"),
    "intake_message": _l("Notice of detention"),
    "access_log": _l("Access log"),
    "security_events": _l("Security log"),
    "job_outbox": _l("Background jobs"),
    "case_event": _l("Timeline entry"),
}
TABLE_LABELS = {
    "clients": _l("Clients"),
    "cases": _l("Case files"),
    "case_events": _l("Timeline entries"),
    "case_notes": _l("Notes"),
    "case_note_revisions": _l("Earlier versions of notes"),
    "case_phase_changes": _l("Phase changes"),
    "domain_consents": _l("Bases for sharing"),
    "intake_messages": _l("Notices of detention"),
    "life_domain_snapshots": _l("Life domain measurements"),
    "life_domains": _l("Life domains"),
    "referrals": _l("Referrals"),
    "tasks": _l("Tasks"),
    "trajectories": _l("Trajectories"),
    "notifications": _l("Notifications"),
    "job_outbox": _l("Background jobs"),
    "access_log": _l("Access log entries"),
    "security_events": _l("Security log entries"),
}
# Every column of every table an access request includes, by column name (one meaning per
# name across these tables), except the technical ones the PDF leaves out
# (app.audit.subject_access.TECHNICAL_COLUMNS); a test holds the two together.
COLUMN_LABELS = {
    # the client
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "date_of_birth": _l("Date of birth"),
    "bsn": _l("Citizen number"),
    "address": _l("Address"),
    "postal_address": _l("Postal address"),
    "responsible_municipality": _l("Municipality of responsibility"),
    # the case
    "phase": _l("Phase"),
    "closed_reason": _l("Reason for closing"),
    "facility": _l("Facility"),
    "detention_start": _l("Start of detention"),
    "expected_release": _l("Expected release"),
    "actual_release": _l("Actual release"),
    "prolific_offender": _l("Prolific offender"),
    "benefit_recipient": _l("Benefit recipient"),
    "transferred_from": _l("Transferred from"),
    "destroy_on": _l("To be destroyed on"),
    # life domains and the monitor
    "domain": _l("Life domain"),
    "status": _l("Status"),
    "need": _l("Need"),
    "notes": _l("Notes"),
    "moment": _l("Measuring moment"),
    "taken_at": _l("Measured on"),
    # history, notes and the timeline
    "from_phase": _l("From phase"),
    "to_phase": _l("To phase"),
    "reason": _l("Reason"),
    "changed_at": _l("Changed on"),
    "actor_name": _l("Recorded by"),
    "author_name": _l("Author"),
    "body": _l("Text"),
    "edited_at": _l("Edited on"),
    "edited_by": _l("Edited by"),
    "at": _l("Time"),
    "kind": _l("Event"),
    "detail": _l("Changes"),
    # notices of detention
    "source": _l("Received through"),
    "received_at": _l("Received on"),
    # the plan
    "title": _l("Task"),
    "description": _l("Description"),
    "responsible": _l("Responsible"),
    "due_date": _l("Due date"),
    "before_release": _l("Before release"),
    "anchor": _l("Counted from"),
    "offset_days": _l("Days from"),
    "done_at": _l("Done on"),
    "done_by": _l("Done by"),
    # sharing, referrals and trajectories
    "basis": _l("Basis"),
    "effective_on": _l("Effective from"),
    "note": _l("Explanation"),
    "recorded_at": _l("Recorded on"),
    "recorded_by": _l("Recorded by"),
    "partner": _l("Referred to"),
    "request": _l("Request"),
    "rejection_reason": _l("Reason for rejection"),
    "outcome": _l("Outcome"),
    "sent_on": _l("Sent on"),
    "decided_on": _l("Decided on"),
    "referred_by": _l("Referred by"),
    "provider": _l("Care director"),
    "cost_cents": _l("Cost"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "handed_over_by": _l("Handed over by"),
    # every row
    "created_at": _l("Created on"),
    "updated_at": _l("Last changed on"),
}
# How a notice of detention came in (app.cases.intake.services.Source).


def _lookup(labels: dict, code: str | None) -> str:
    if code is None:
        return ""
    label = labels.get(code)
    return str(label) if label is not None else code


def action_label(code: str | None) -> str:
    return _lookup(ACTION_LABELS, code)


def result_label(code: str | None) -> str:
    """``granted``, or ``failed <status>`` as the tracking writes it."""
    if code == GRANTED:
        return gettext("Granted")
    if code and code.startswith(FAILED_PREFIX):
        return gettext("Failed (%(status)s)", status=code[len(FAILED_PREFIX) :])
    return code or ""


def object_label(code: str | None) -> str:
    return _lookup(OBJECT_LABELS, code)


def rule_label(code: str | None) -> str:
    return _lookup(RULE_LABELS, code)


def record_type_label(code: str | None) -> str:
    return _lookup(RECORD_TYPE_LABELS, code)


def table_label(code: str | None) -> str:
    return _lookup(TABLE_LABELS, code)


def column_label(code: str | None) -> str:
    return _lookup(COLUMN_LABELS, code)


def intake_source_label(code: str | None) -> str:
    return _lookup(INTAKE_SOURCE_LABELS, code)  # the same words as the case page


def template_helpers() -> dict:
    # Imported here: the answer's module builds on the labels above.
    from app.audit.subject_access import pdf_fields

    return {
        "access_action_label": action_label,
        "access_result_label": result_label,
        "access_object_label": object_label,
        "retention_rule_label": rule_label,
        "record_type_label": record_type_label,
        "table_label": table_label,
        "subject_access_fields": pdf_fields,
    }
