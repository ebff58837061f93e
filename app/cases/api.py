"""What other features may use of the aftercare file: its queries and commands.

Other features import this module only (``lint-imports`` holds them to it); the rest of
``app.cases`` is the file's own business and may change without telling anyone.
"""

from __future__ import annotations

from app.cases.bsn import generate_bsn
from app.cases.cohorts import (
    COHORT_MOMENTS,
    LIST_FIGURES,
    NOW_PHASES,
    SIX_WEEKS,
    CohortRaw,
    cases_behind,
    month_starts,
    read_cohort_figures,
    status_counts,
)
from app.cases.consent import Recipient, shareable_domains
from app.cases.handover.counting import clients_of_trajectories
from app.cases.handover.models import SharingBasis, TrajectoryStatus
from app.cases.handover.services import hand_over, record_basis
from app.cases.labels import label as case_label
from app.cases.models import (
    CORE_LIFE_DOMAINS,
    Case,
    CasePhase,
    Client,
    DomainStatus,
    LifeDomainKind,
    MonitorMoment,
)
from app.cases.panels import add_case_panel, case_page_url
from app.cases.partners.models import Partner, PartnerKind
from app.cases.partners.services import bind_staff as bind_provider_worker
from app.cases.partners.services import (
    care_director,
    install_default_partners,
    partners_by_kind,
    partners_of_kind,
)
from app.cases.plan.services import complete_task, generate_plan, install_default_template
from app.cases.services import access_case, open_case, saved_tenant_settings, take_snapshot
from app.cases.timeline import EventKind
from app.cases.timeline import entries_for as case_timeline
from app.cases.timeline import latest_of_kinds as latest_case_event
from app.cases.timeline import record as record_case_event

__all__ = [
    "COHORT_MOMENTS",
    "LIST_FIGURES",
    "NOW_PHASES",
    "SIX_WEEKS",
    "CohortRaw",
    "case_label",
    "cases_behind",
    "month_starts",
    "read_cohort_figures",
    "status_counts",
    "CORE_LIFE_DOMAINS",
    "Case",
    "CasePhase",
    "Client",
    "DomainStatus",
    "EventKind",
    "LifeDomainKind",
    "MonitorMoment",
    "Partner",
    "PartnerKind",
    "Recipient",
    "SharingBasis",
    "TrajectoryStatus",
    "access_case",
    "add_case_panel",
    "case_page_url",
    "clients_of_trajectories",
    "bind_provider_worker",
    "care_director",
    "case_timeline",
    "latest_case_event",
    "complete_task",
    "generate_bsn",
    "generate_plan",
    "hand_over",
    "install_default_partners",
    "install_default_template",
    "open_case",
    "partners_by_kind",
    "partners_of_kind",
    "record_basis",
    "record_case_event",
    "saved_tenant_settings",
    "shareable_domains",
    "take_snapshot",
]
