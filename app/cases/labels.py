"""Dutch labels for the case vocabulary (msgids in English, text in the catalogue)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app.cases.bsn import mask_bsn
from app.cases.documents import KIND_LABELS as DOCUMENT_KIND_LABELS
from app.cases.handover.models import (
    InvoiceStatus,
    ReferralStatus,
    SharingBasis,
    TrajectoryStatus,
)
from app.cases.models import (
    CasePhase,
    CloseOutcome,
    DomainStatus,
    IncomingState,
    LegalTitle,
    LifeDomainKind,
    MonitorMoment,
    ReleaseType,
    StayKind,
)
from app.cases.partners.models import PartnerKind
from app.cases.people import FIELD_LABELS as PERSON_FIELD_LABELS
from app.cases.people import ROLE_LABELS as PERSON_ROLE_LABELS
from app.cases.plan.models import Anchor, PlanPhase, Responsible, TaskStatus
from app.core.i18n import format_cents, format_date, in_language

PHASE_LABELS = {
    CasePhase.REGISTERED: _l("Registered"),
    CasePhase.IN_DETENTION: _l("In detention"),
    CasePhase.RELEASE_PREPARATION: _l("Preparing release"),
    CasePhase.AFTER_RELEASE: _l("After release"),
    CasePhase.CLOSED: _l("Closed"),
    CasePhase.REOPENED: _l("Reopened"),
}
DOMAIN_LABELS = {
    LifeDomainKind.IDENTITY: _l("Identity document"),
    LifeDomainKind.HOUSING: _l("Housing"),
    LifeDomainKind.INCOME: _l("Income and work"),
    LifeDomainKind.DEBTS: _l("Debts"),
    LifeDomainKind.CARE: _l("Care"),
    LifeDomainKind.SOCIAL_NETWORK: _l("Social network"),
}
STATUS_LABELS = {
    DomainStatus.ARRANGED: _l("Arranged"),
    DomainStatus.NOT_ARRANGED: _l("Not arranged"),
    DomainStatus.UNKNOWN: _l("Unknown"),
    DomainStatus.NOT_APPLICABLE: _l("Not applicable"),
}
MOMENT_LABELS = {
    MonitorMoment.INTAKE: _l("At intake"),
    MonitorMoment.RELEASE: _l("At release"),
    MonitorMoment.SIX_MONTHS: _l("Six months after release"),
}
STAY_LABELS = {
    StayKind.LONG: _l("Long stay"),
    StayKind.SHORT: _l("Short stay"),
}
LEGAL_TITLE_LABELS = {
    LegalTitle.REMAND: _l("Remand"),
    LegalTitle.NOT_FINAL_JUDGEMENT: _l("Sentenced, judgement not final"),
    LegalTitle.FINAL_JUDGEMENT: _l("Final judgement"),
    LegalTitle.SUBSTITUTE_CUSTODY: _l("Substitute custody"),
    LegalTitle.OTHER: _l("Other legal title"),
}
RELEASE_TYPE_LABELS = {
    ReleaseType.REGULAR: _l("Regular release"),
    ReleaseType.CONDITIONAL_RELEASE: _l("Conditional release"),
    ReleaseType.ELECTRONIC_SUPERVISION: _l("Electronic supervision"),
    ReleaseType.RELEASED_FROM_REMAND: _l("Released from remand"),
}
RESPONSIBLE_LABELS = {
    Responsible.AFTERCARE_COORDINATOR: _l("Aftercare coordinator"),
    Responsible.PRISON_CASEWORKER: _l("Prison caseworker"),
    Responsible.CARE_DIRECTOR: _l("Care director"),
    Responsible.DEBT_HELP: _l("Debt help"),
    Responsible.ADDICTION_CARE: _l("Addiction care"),
    Responsible.SUPPORTED_HOUSING: _l("Supported housing"),
    Responsible.PROBATION: _l("Probation"),
    Responsible.INCOME: _l("Work and income"),
    Responsible.HEALTH_INSURER: _l("Health insurer"),
    Responsible.MENTAL_HEALTH_CARE: _l("Mental health care"),
    Responsible.HOUSING_CORPORATION: _l("Housing corporation"),
}
PLAN_PHASE_LABELS = {
    PlanPhase.IN_DETENTION: _l("In detention"),
    PlanPhase.RELEASE_PREPARATION: _l("Preparing release"),
    PlanPhase.AFTER_RELEASE: _l("After release"),
}
ANCHOR_LABELS = {
    Anchor.RELEASE: _l("expected release"),
    Anchor.DETENTION_START: _l("start of detention"),
    Anchor.ACTUAL_RELEASE: _l("actual release"),
    Anchor.INTAKE: _l("intake"),
}
TASK_STATUS_LABELS = {
    TaskStatus.OPEN: _l("Open"),
    TaskStatus.DONE: _l("Done"),
    TaskStatus.NOT_APPLICABLE: _l("Not applicable"),
}

FIELD_LABELS = {
    "facility": _l("Facility"),
    "detention_start": _l("Start of detention"),
    "expected_release": _l("Expected release"),
    "prolific_offender": _l("Prolific offender"),
    "benefit_recipient": _l("Benefit recipient"),
    "prison_number": _l("Prison number"),
    "legal_title": _l("Legal title"),
    "judgement_date": _l("Date of judgement"),
    "release_type": _l("Kind of release"),
    "probation_involved": _l("Probation involved"),
    "probation_officer": _l("Probation officer"),
    "prison_caseworker_name": _l("Prison caseworker"),
    "prison_caseworker_contact": _l("Contact of the prison caseworker"),
    "case_worker_id": _l("Case worker"),
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "date_of_birth": _l("Date of birth"),
    "address": _l("Address"),
    "postal_address": _l("Postal address"),
    "responsible_municipality": _l("Municipality of responsibility"),
    "intended_address": _l("Intended address after detention"),
    "responsible_tenant": _l("Municipality of responsibility"),
    "status": _l("Status"),
    "situation": _l("Situation"),
    "need": _l("Need"),
    "notes": _l("Notes"),
    "bsn": _l("Citizen number"),
    "message_id": _l("Message id"),
    "kind": _l("Kind of message"),
    "event_date": _l("Date of the message"),
    "leave_end": _l("Last day of leave"),
    "domains": _l("Life domains"),
    "document": _l("Document"),
}

BASIS_LABELS = {
    SharingBasis.CONSENT_GIVEN: _l("Consent given"),
    SharingBasis.CONSENT_WITHDRAWN: _l("Consent withdrawn"),
    SharingBasis.STATUTORY: _l("Statutory basis"),
}
REFERRAL_STATUS_LABELS = {
    ReferralStatus.SENT: _l("Sent"),
    ReferralStatus.ACCEPTED: _l("Accepted"),
    ReferralStatus.REJECTED: _l("Rejected"),
    ReferralStatus.DONE: _l("Done"),
}
TRAJECTORY_STATUS_LABELS = {
    TrajectoryStatus.PROPOSED: _l("Proposed"),
    TrajectoryStatus.ACTIVE: _l("Active"),
    TrajectoryStatus.COMPLETED: _l("Completed"),
    TrajectoryStatus.CANCELLED: _l("Cancelled"),
}
CLOSE_OUTCOME_LABELS = {
    CloseOutcome.GOAL_REACHED: _l("Goal reached"),
    CloseOutcome.MOVED_OUT: _l("Moved out of the region"),
    CloseOutcome.BACK_IN_DETENTION: _l("Back in detention"),
    CloseOutcome.LOST_CONTACT: _l("Lost contact"),
    CloseOutcome.DECEASED: _l("Deceased"),
    CloseOutcome.OTHER: _l("Other (give the reason)"),
}
INCOMING_STATE_LABELS = {
    IncomingState.OFFERED: _l("Waiting for an answer"),
    IncomingState.ACCEPTING: _l("Being accepted"),
    IncomingState.ACCEPTED: _l("Accepted"),
    IncomingState.DECLINED: _l("Declined"),
}

PARTNER_KIND_LABELS = {
    PartnerKind.CARE_DIRECTOR: _l("Care director"),
    PartnerKind.DEBT_HELP: _l("Debt help"),
    PartnerKind.ADDICTION_CARE: _l("Addiction care"),
    PartnerKind.SUPPORTED_HOUSING: _l("Supported housing"),
    PartnerKind.PROBATION: _l("Probation service"),
    PartnerKind.INCOME: _l("Income and work"),
    PartnerKind.HEALTH_INSURER: _l("Health insurer"),
    PartnerKind.MENTAL_HEALTH_CARE: _l("Mental health care"),
    PartnerKind.HOUSING_CORPORATION: _l("Housing corporation"),
}
INVOICE_STATUS_LABELS = {
    InvoiceStatus.SUBMITTED: _l("Awaiting approval"),
    InvoiceStatus.APPROVED: _l("Approved"),
    InvoiceStatus.REJECTED: _l("Rejected"),
}

ALL_LABELS = {
    "partner_kind": PARTNER_KIND_LABELS,
    "invoice_status": INVOICE_STATUS_LABELS,
    "phase": PHASE_LABELS,
    "domain": DOMAIN_LABELS,
    "status": STATUS_LABELS,
    "moment": MOMENT_LABELS,
    "stay": STAY_LABELS,
    "legal_title": LEGAL_TITLE_LABELS,
    "release_type": RELEASE_TYPE_LABELS,
    "responsible": RESPONSIBLE_LABELS,
    "plan_phase": PLAN_PHASE_LABELS,
    "anchor": ANCHOR_LABELS,
    "task_status": TASK_STATUS_LABELS,
    "basis": BASIS_LABELS,
    "referral_status": REFERRAL_STATUS_LABELS,
    "trajectory_status": TRAJECTORY_STATUS_LABELS,
    "close_outcome": CLOSE_OUTCOME_LABELS,
    "incoming_state": INCOMING_STATE_LABELS,
}


# The same tables keyed by the stored value (a list shows dozens of labels a page).
_BY_VALUE = {
    kind: {key.value: text for key, text in labels.items()} for kind, labels in ALL_LABELS.items()
}


def label(kind: str, value) -> str:
    if value is None:
        return ""
    value = getattr(value, "value", value)
    table = _BY_VALUE.get(kind)
    text = None if table is None else in_language(table).get(value)
    return str(value) if text is None else text


def partner_kind_label(kind: str | None) -> str:
    return label("partner_kind", kind)


def intake_field_label(name: str) -> str:
    """``bsn`` -> 'BSN'; ``domains.housing.status`` -> 'Huisvesting (status)'."""
    parts = name.split(".")
    if parts[0] == "domains" and len(parts) > 1:
        domain = label("domain", parts[1])
        return f"{domain} ({FIELD_LABELS[parts[2]]})" if len(parts) > 2 else domain
    return str(FIELD_LABELS.get(name, name))


def field_names(changes) -> str:
    return ", ".join(str(FIELD_LABELS.get(name, name)) for name in (changes or {}))


# How an intake document arrived (``intake.services.Source`` values).
INTAKE_SOURCE_LABELS = {
    "form": _l("Intake form"),
    "upload": _l("Uploaded file"),
    "api": _l("Electronic notice from the sender"),
}


DATE_FIELDS = frozenset({"judgement_date", "detention_start", "expected_release"})
CODED_FIELDS = {"legal_title": "legal_title", "release_type": "release_type", "status": "status"}
MESSAGE_KIND_LABELS = {
    "detention_start": _l("Start of detention"),
    "basic_document": _l("Basic document"),
    "transfer": _l("Transfer to another prison"),
    "leave": _l("Leave"),
    "end_of_detention": _l("End of detention"),
}


def value_text(field: str, value) -> str:
    """A changed value as the case page shows it: dates in words, codes as labels."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if field in DATE_FIELDS:
        return format_date(value)
    if field in CODED_FIELDS:
        return label(CODED_FIELDS[field], value)
    return str(value)


def difference_lines(changes: dict | None, domains: dict | None = None) -> list[str]:
    """A version's difference: "Label: old → new" per field, then per life domain."""
    lines = [
        f"{FIELD_LABELS.get(field, field)}: {value_text(field, old)} → {value_text(field, new)}"
        for field, (old, new) in (changes or {}).items()
    ]
    for domain, diff in (domains or {}).items():
        for field, (old, new) in diff.items():
            name = FIELD_LABELS.get("situation" if field == "notes" else field, field)
            lines.append(
                f"{label('domain', domain)} ({name}): "
                f"{value_text(field, old)} → {value_text(field, new)}"
            )
    return lines


def template_helpers() -> dict:
    return {
        "difference_lines": difference_lines,
        "message_kind_label": lambda value: str(MESSAGE_KIND_LABELS.get(value, value or "")),
        "field_names": field_names,
        "responsible_labels": RESPONSIBLE_LABELS,
        "partner_kind_labels": PARTNER_KIND_LABELS,
        "invoice_status_labels": INVOICE_STATUS_LABELS,
        "money": format_cents,
        "basis_labels": BASIS_LABELS,
        "referral_status_labels": REFERRAL_STATUS_LABELS,
        "trajectory_status_labels": TRAJECTORY_STATUS_LABELS,
        "close_outcome_labels": CLOSE_OUTCOME_LABELS,
        "label": label,
        "phase_label": lambda value: label("phase", value),
        "domain_label": lambda value: label("domain", value),
        "status_label": lambda value: label("status", value),
        "intake_source_label": lambda value: str(INTAKE_SOURCE_LABELS.get(value, value or "")),
        "mask_bsn": mask_bsn,
        "as_date": as_date,
        "person_role_label": lambda value: str(PERSON_ROLE_LABELS.get(value, value or "")),
        "person_field_label": lambda value: str(PERSON_FIELD_LABELS.get(value, value or "")),
        "document_kind_label": lambda value: str(DOCUMENT_KIND_LABELS.get(value, value or "")),
    }


def as_date(value):
    """A date kept as ISO text (a transfer's summary) as a date, for ``format_date``."""
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))
