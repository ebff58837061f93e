"""Dutch labels for what the access log and the destruction list store as codes.

The log keeps codes (``read``, ``granted``, ``case``, ``closed_case``, table names) so that
it stays comparable over the years; people see these labels (msgids in English, text in
the catalogue). An unknown code is shown as it is rather than hidden: a later feature
that logs a new object type still shows up, and a missing label is visible.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.audit import retention, vocabulary
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
# The platform's own tables; the features name theirs (app.audit.vocabulary).
TABLE_LABELS = {
    "notifications": _l("Notifications"),
    "job_outbox": _l("Background jobs"),
    "access_log": _l("Access log entries"),
}
COLUMN_LABELS = {
    "created_at": _l("Created on"),
    "updated_at": _l("Last changed on"),
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
    return _lookup(retention.rule_labels(), code)


def record_type_label(code: str | None) -> str:
    return _lookup(retention.record_type_labels(), code)


def table_label(code: str | None) -> str:
    return _lookup({**TABLE_LABELS, **vocabulary.table_labels()}, code)


def column_label(code: str | None) -> str:
    return _lookup({**COLUMN_LABELS, **vocabulary.column_labels()}, code)


def template_helpers(pdf_fields) -> dict:
    return {
        "access_action_label": action_label,
        "access_result_label": result_label,
        "access_object_label": object_label,
        "retention_rule_label": rule_label,
        "record_type_label": record_type_label,
        "table_label": table_label,
        "subject_access_fields": pdf_fields,
    }
