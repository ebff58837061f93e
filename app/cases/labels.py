"""Dutch labels for the case vocabulary (msgids in English, text in the catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.cases.bsn import mask_bsn
from app.cases.models import CasePhase, DomainStatus, LifeDomainKind

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


def _label(labels: dict, value: str) -> str:
    for key, label in labels.items():
        if key.value == value:
            return str(label)
    return value


def template_helpers() -> dict:
    return {
        "phase_label": lambda value: _label(PHASE_LABELS, value),
        "domain_label": lambda value: _label(DOMAIN_LABELS, value),
        "status_label": lambda value: _label(STATUS_LABELS, value),
        "mask_bsn": mask_bsn,
    }
