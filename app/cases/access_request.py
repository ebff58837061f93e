"""What the aftercare file tells the access request (``app.audit.vocabulary``): the Dutch
names of its tables and columns, the code lists of its coded columns, the columns that
mean nothing to the citizen, and a timeline entry's sentence and changes."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.audit.labels import column_label
from app.audit.subject_access import technical_columns, text_of
from app.audit.vocabulary import Vocabulary
from app.cases.labels import INTAKE_SOURCE_LABELS, label, template_helpers
from app.cases.timeline import SYSTEM_ACTOR, EventKind

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
    "trajectory_reports": _l("Reports of the care director"),
    "trajectory_invoices": _l("Invoices of the care director"),
    "case_people": _l("People involved"),
    "case_documents": _l("Documents"),
}
COLUMN_LABELS = {
    # the client
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "date_of_birth": _l("Date of birth"),
    "bsn": _l("Citizen number"),
    "address": _l("Address"),
    "postal_address": _l("Postal address"),
    # the case
    "phase": _l("Phase"),
    "closed_reason": _l("Reason for closing"),
    "close_outcome": _l("Outcome of the aftercare"),
    "facility": _l("Facility"),
    "detention_start": _l("Start of detention"),
    "expected_release": _l("Expected release"),
    "actual_release": _l("Actual release"),
    "prolific_offender": _l("Prolific offender"),
    "benefit_recipient": _l("Benefit recipient"),
    "transferred_from": _l("Transferred from"),
    "prison_number": _l("Prison number"),
    "legal_title": _l("Legal title"),
    "judgement_date": _l("Date of judgement"),
    "release_type": _l("Kind of release"),
    "probation_involved": _l("Probation involved"),
    "probation_officer": _l("Probation officer"),
    "prison_caseworker_name": _l("Prison caseworker"),
    "prison_caseworker_contact": _l("Contact of the prison caseworker"),
    "destroy_on": _l("To be destroyed on"),
    # life domains and the monitor
    "domain": _l("Life domain"),
    "status": _l("Status"),
    "need": _l("Need"),
    "notes": _l("Notes"),
    "moment": _l("Measuring moment"),
    "taken_at": _l("Measured on"),
    "voided_at": _l("Voided on"),
    "void_reason": _l("Reason for voiding"),
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
    "domains": _l("Life domains"),
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
    "starts_on": _l("Help starts on"),
    "end_date": _l("End date"),
    "handed_over_by": _l("Handed over by"),
    "partner_kind": _l("Kind of partner"),
    "shared_domains": _l("Life domains shared with the care director"),
    "proposed_end": _l("Proposed end"),
    "reported_by": _l("Reported by"),
    "reported_at": _l("Reported on"),
    "amount_cents": _l("Amount"),
    "invoice_date": _l("Invoice date"),
    "reference": _l("Invoice reference"),
    "submitted_by": _l("Sent by"),
    "submitted_at": _l("Sent on"),
    "decided_by": _l("Decided by"),
    "decided_at": _l("Decided on"),
    # people involved and documents
    "role": _l("Role"),
    "name": _l("Name"),
    "organisation": _l("Organisation"),
    "contact": _l("Phone or e-mail"),
    "started_on": _l("Involved since"),
    "ended_on": _l("Ended on"),
    "end_reason": _l("Reason for ending"),
    "version_number": _l("Version"),
    "filename": _l("File name"),
    "media_type": _l("Type of file"),
    "size_bytes": _l("Size (bytes)"),
    "uploaded_by": _l("Added by"),
    "uploaded_at": _l("Added on"),
}
TECHNICAL = frozenset(
    {
        "client_id",
        "case_id",
        "case_worker_id",
        "previous_case_id",
        "note_id",
        "author_id",
        "template_id",
        "message_key",
        "position",
        "partner_id",
        "trajectory_id",
        "series_id",
        "content",
        "content_sha256",
    }
)
# Where history keeps the name of the person who acted, "system" means the portal itself.
ACTOR_COLUMNS = frozenset(
    {
        "actor_name",
        "author_name",
        "done_by",
        "edited_by",
        "handed_over_by",
        "recorded_by",
        "referred_by",
        "uploaded_by",
    }
)
# The table whose fields a timeline entry's ``changes`` name.
CHANGED_TABLES = {
    EventKind.CLIENT_UPDATED.value: "clients",
    EventKind.CASE_UPDATED.value: "cases",
    EventKind.DOMAIN_UPDATED.value: "life_domains",
}


def _code(kind: str) -> Callable[[object], str]:
    return lambda value: label(kind, value)


def _report_kind(code) -> str:
    return str({"progress": _l("Progress"), "end_proposed": _l("Proposed end")}.get(code, code))


def _intake_source(code) -> str:
    shown = INTAKE_SOURCE_LABELS.get(code)  # the same words as the case page
    return str(shown) if shown is not None else str(code)


def change_lines(kind: str, detail: dict | None) -> str | None:
    """A timeline entry's changes as "Adres: old → new" lines; None when it has none."""
    changes = (detail or {}).get("changes")
    if not isinstance(changes, dict) or not changes:
        return None
    table = CHANGED_TABLES.get(kind, "")
    lines = []
    for field, values in changes.items():
        name = column_label(field)
        if field in technical_columns() or not isinstance(values, list) or len(values) != 2:
            lines.append(gettext("%(field)s changed", field=name))
        else:
            old, new = values
            lines.append(f"{name}: {text_of(table, field, old)} → {text_of(table, field, new)}")
    return "\n".join(lines)


def event_describer() -> Callable[[str, dict | None], str]:
    """The sentence the case page shows for a timeline entry (cases/_event_text.html)."""
    template = current_app.jinja_env.get_template("cases/_event_text.html")
    macro = template.make_module(template_helpers()).event_text

    def describe(kind: str, detail: dict | None) -> str:
        text = macro({"kind": kind, "detail": detail or {}})
        return (text.unescape() if isinstance(text, Markup) else str(text)).strip()

    return describe


def _timeline_describer() -> Callable[[object], dict]:
    describe = event_describer()

    def extra(entry) -> dict:
        data = {"kind_label": describe(entry.kind, entry.detail)}
        changes = change_lines(entry.kind, entry.detail)
        if changes:
            data["detail_label"] = changes
        return data

    return extra


VOCABULARY = Vocabulary(
    tables=TABLE_LABELS,
    columns=COLUMN_LABELS,
    codes={
        "phase": _code("phase"),
        "from_phase": _code("phase"),
        "to_phase": _code("phase"),
        "domain": _code("domain"),
        "status": _code("status"),
        "moment": _code("moment"),
        "legal_title": _code("legal_title"),
        "release_type": _code("release_type"),
        "basis": _code("basis"),
        "responsible": _code("responsible"),
        "partner": _code("responsible"),
        "partner_kind": _code("partner_kind"),
    },
    table_codes={
        "tasks": {
            "phase": _code("plan_phase"),
            "status": _code("task_status"),
            "anchor": _code("anchor"),
        },
        "referrals": {"status": _code("referral_status")},
        "trajectories": {"status": _code("trajectory_status")},
        "trajectory_reports": {"kind": _report_kind},
        "trajectory_invoices": {"status": _code("invoice_status")},
        "intake_messages": {"source": _intake_source},
    },
    technical=TECHNICAL,
    actor_columns=ACTOR_COLUMNS,
    system_actor=SYSTEM_ACTOR,
    describers={"case_events": _timeline_describer},
)
