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


def template_helpers() -> dict:
    return {
        "access_action_label": action_label,
        "access_result_label": result_label,
        "access_object_label": object_label,
        "retention_rule_label": rule_label,
        "record_type_label": record_type_label,
        "table_label": table_label,
    }
