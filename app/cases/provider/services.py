"""The care director's own view: a provider worker sees only the trajectories handed to the
partner organisation their account is bound to (``partners.partner_of_worker``), in their
own municipality (their account is one municipality's; the care director of five
municipalities has an account in each), and of each only the minimum the hand-over
shares:

- the client's first name and the municipality;
- the life domains the trajectory covers (the sharing basis at the hand-over) that the
  basis still allows today (``shareable_domains`` for the care director), each with its
  status; the need of a domain is shown for identity, housing, income and social network,
  never for care (health) and debts, whatever the basis;
- never the citizen number, family name, date of birth, address, offence, facility,
  notes or the plan.

Anything else is 404, logged on ``nazorg.security``; every opening of a trajectory writes
the access log of the client's municipality (``note_access``). They report progress per
domain, propose the end (the case worker decides) and record their invoice, which the
municipality's tenant admin approves; an approved invoice is spending in the budget
(``signals.trajectory_invoice_approved``). Services flush, never commit.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.audit.tracking import note_access
from app.cases import timeline
from app.cases.consent import Recipient, shareable_domains
from app.cases.errors import CaseError
from app.cases.handover.models import (
    InvoiceStatus,
    ReportKind,
    Trajectory,
    TrajectoryInvoice,
    TrajectoryReport,
    TrajectoryStatus,
)
from app.cases.models import Case, LifeDomainKind
from app.cases.partners.services import partner_of_worker
from app.cases.timeline import EventKind
from app.core import signals
from app.core.actions import check_version, create_once
from app.core.db import utcnow
from app.core.tenants import Tenant
from app.extensions import db

security_log = logging.getLogger("nazorg.security")

# Never shown to a provider, whatever the sharing basis: health and debts.
NEED_NEVER_SHOWN = frozenset({LifeDomainKind.CARE.value, LifeDomainKind.DEBTS.value})
OPEN_STATUSES = (TrajectoryStatus.PROPOSED.value, TrajectoryStatus.ACTIVE.value)


@dataclass
class DomainView:
    domain: str
    status: str
    need: str | None


@dataclass
class TrajectoryView:
    trajectory: Trajectory
    first_name: str
    municipality: str
    domains: list[DomainView]
    reports: list[TrajectoryReport]
    invoices: list[TrajectoryInvoice]

    @property
    def domain_codes(self) -> list[str]:
        return [d.domain for d in self.domains]


def my_trajectories(user) -> list[tuple[Trajectory, str]]:
    """(trajectory, the client's first name) of the worker's partner, newest first."""
    partner = partner_of_worker(user)
    if partner is None:
        return []
    rows = db.session.execute(
        select(Trajectory, Case)
        .join(Case, (Case.id == Trajectory.case_id) & (Case.tenant_id == Trajectory.tenant_id))
        .where(Trajectory.partner_id == partner.id)
        .order_by(Trajectory.start_date.desc())
    )
    found = []
    for trajectory, case in rows:
        note_access(
            tenant_id=case.tenant_id,
            client_id=case.client_id,
            object_type="trajectory",
            object_id=trajectory.id,
        )
        found.append((trajectory, case.client.given_name))
    return found


def access_my_trajectory(user, trajectory_id: uuid.UUID) -> tuple[Trajectory, Case]:
    """The trajectory if it was handed to the worker's partner; 404 alike otherwise.
    The opening is in the access log of the client's municipality."""
    partner = partner_of_worker(user)
    trajectory = None
    if partner is not None:
        trajectory = db.session.scalars(
            select(Trajectory).where(
                Trajectory.id == trajectory_id, Trajectory.partner_id == partner.id
            )
        ).one_or_none()
    if trajectory is None:
        security_log.warning("provider worker %s refused trajectory %s", user.id, trajectory_id)
        raise NotFound()
    case = db.session.get(Case, (trajectory.tenant_id, trajectory.case_id))
    note_access(
        tenant_id=case.tenant_id,
        client_id=case.client_id,
        object_type="trajectory",
        object_id=trajectory.id,
    )
    return trajectory, case


def visible_domains(trajectory: Trajectory, case: Case) -> list[str]:
    """The domains the trajectory covers that the sharing basis still allows."""
    allowed = shareable_domains([case.id], Recipient.CARE_DIRECTOR)[case.id]
    covered = set(trajectory.shared_domains) if trajectory.shared_domains is not None else allowed
    order = [k.value for k in LifeDomainKind]
    return sorted(covered & allowed, key=order.index)


def trajectory_view(trajectory: Trajectory, case: Case) -> TrajectoryView:
    shown = visible_domains(trajectory, case)
    by_kind = {d.domain: d for d in case.life_domains}
    domains = [
        DomainView(
            domain=kind,
            status=by_kind[kind].status,
            need=None if kind in NEED_NEVER_SHOWN else by_kind[kind].need,
        )
        for kind in shown
        if kind in by_kind
    ]
    return TrajectoryView(
        trajectory=trajectory,
        first_name=case.client.given_name,
        municipality=db.session.get(Tenant, case.tenant_id).name,
        domains=domains,
        reports=list(
            db.session.scalars(
                select(TrajectoryReport)
                .where(TrajectoryReport.trajectory_id == trajectory.id)
                .order_by(TrajectoryReport.reported_at.desc())
            )
        ),
        invoices=invoices_of(trajectory),
    )


def invoices_of(trajectory: Trajectory) -> list[TrajectoryInvoice]:
    return list(
        db.session.scalars(
            select(TrajectoryInvoice)
            .where(TrajectoryInvoice.trajectory_id == trajectory.id)
            .order_by(TrajectoryInvoice.submitted_at.desc())
        )
    )


def reports_of(trajectory: Trajectory) -> list[TrajectoryReport]:
    return list(
        db.session.scalars(
            select(TrajectoryReport)
            .where(TrajectoryReport.trajectory_id == trajectory.id)
            .order_by(TrajectoryReport.reported_at.desc())
        )
    )


def reports_and_invoices_of(
    trajectories: list[Trajectory],
) -> tuple[dict[uuid.UUID, list[TrajectoryReport]], dict[uuid.UUID, list[TrajectoryInvoice]]]:
    """``reports_of`` and ``invoices_of`` for several trajectories: two reads in all, none
    without trajectories (the case page showed them with two reads per trajectory)."""
    reports: dict[uuid.UUID, list[TrajectoryReport]] = {t.id: [] for t in trajectories}
    invoices: dict[uuid.UUID, list[TrajectoryInvoice]] = {t.id: [] for t in trajectories}
    if not trajectories:
        return reports, invoices
    for report in db.session.scalars(
        select(TrajectoryReport)
        .where(TrajectoryReport.trajectory_id.in_(list(reports)))
        .order_by(TrajectoryReport.reported_at.desc())
    ):
        reports[report.trajectory_id].append(report)
    for invoice in db.session.scalars(
        select(TrajectoryInvoice)
        .where(TrajectoryInvoice.trajectory_id.in_(list(invoices)))
        .order_by(TrajectoryInvoice.submitted_at.desc())
    ):
        invoices[invoice.trajectory_id].append(invoice)
    return reports, invoices


def _refuse_unless_open(trajectory: Trajectory) -> None:
    if trajectory.status not in OPEN_STATUSES:
        raise CaseError(_("This trajectory has ended: nothing more can be reported."))


def report_progress(
    trajectory: Trajectory,
    case: Case,
    actor,
    *,
    domain: str,
    body: str,
    submission_key: uuid.UUID | None = None,
) -> TrajectoryReport:
    def build() -> TrajectoryReport:
        _refuse_unless_open(trajectory)
        if domain not in visible_domains(trajectory, case):
            raise CaseError(_("Choose a life domain of this trajectory."), field="domain")
        return TrajectoryReport(
            trajectory_id=trajectory.id,
            case_id=case.id,
            kind=ReportKind.PROGRESS.value,
            domain=domain,
            body=body,
            reported_by=timeline.actor_name(actor),
        )

    row, created = create_once(TrajectoryReport, submission_key, build)
    if created:
        timeline.record(case.id, EventKind.TRAJECTORY_PROGRESS, actor, domain=domain)
    return row


def propose_end(
    trajectory: Trajectory,
    case: Case,
    actor,
    *,
    proposed_end: date,
    body: str,
    submission_key: uuid.UUID | None = None,
) -> TrajectoryReport:
    def build() -> TrajectoryReport:
        _refuse_unless_open(trajectory)
        if proposed_end < trajectory.start_date:
            raise CaseError(
                _("The end cannot be before the start of the trajectory."), field="proposed_end"
            )
        return TrajectoryReport(
            trajectory_id=trajectory.id,
            case_id=case.id,
            kind=ReportKind.END_PROPOSED.value,
            body=body,
            proposed_end=proposed_end,
            reported_by=timeline.actor_name(actor),
        )

    row, created = create_once(TrajectoryReport, submission_key, build)
    if created:
        timeline.record(case.id, EventKind.TRAJECTORY_END_PROPOSED, actor, end=proposed_end)
    return row


def submit_invoice(
    trajectory: Trajectory,
    case: Case,
    actor,
    *,
    amount_cents: int,
    invoice_date: date,
    reference: str,
    submission_key: uuid.UUID | None = None,
) -> TrajectoryInvoice:
    """The care director's invoice, awaiting the municipality's approval. One approved
    invoice per trajectory; a cancelled trajectory is not invoiced."""

    def build() -> TrajectoryInvoice:
        if trajectory.status == TrajectoryStatus.CANCELLED.value:
            raise CaseError(_("A cancelled trajectory cannot be invoiced."))
        if amount_cents < 0:
            raise CaseError(_("The amount cannot be negative."), field="amount")
        if invoice_date < trajectory.start_date:
            raise CaseError(
                _("The invoice date cannot be before the start of the trajectory."),
                field="invoice_date",
            )
        if any(
            i.status in (InvoiceStatus.SUBMITTED.value, InvoiceStatus.APPROVED.value)
            for i in invoices_of(trajectory)
        ):
            raise CaseError(
                _("This trajectory already has an invoice awaiting approval or approved.")
            )
        return TrajectoryInvoice(
            trajectory_id=trajectory.id,
            case_id=case.id,
            amount_cents=amount_cents,
            invoice_date=invoice_date,
            reference=reference,
            status=InvoiceStatus.SUBMITTED.value,
            submitted_by=timeline.actor_name(actor),
        )

    row, created = create_once(TrajectoryInvoice, submission_key, build)
    if created:
        timeline.record(case.id, EventKind.TRAJECTORY_INVOICE, actor, amount_cents=amount_cents)
    return row


# --- the municipality decides on the invoices -------------------------------------------------


def invoices_awaiting() -> list[tuple[TrajectoryInvoice, Trajectory]]:
    """Every invoice of the municipality with its trajectory, awaiting ones first (no
    client data: the list names the care director, the amount and the reference)."""
    return list(
        db.session.execute(
            select(TrajectoryInvoice, Trajectory)
            .join(
                Trajectory,
                (Trajectory.id == TrajectoryInvoice.trajectory_id)
                & (Trajectory.tenant_id == TrajectoryInvoice.tenant_id),
            )
            .order_by(
                (TrajectoryInvoice.status != InvoiceStatus.SUBMITTED.value),
                TrajectoryInvoice.submitted_at.desc(),
            )
        )
    )


def access_invoice(user, invoice_id: uuid.UUID) -> TrajectoryInvoice:
    row = db.session.scalars(
        select(TrajectoryInvoice).where(TrajectoryInvoice.id == invoice_id)
    ).one_or_none()
    if row is None:
        security_log.warning("user %s refused invoice %s", user.id, invoice_id)
        raise NotFound()
    return row


def decide_invoice(
    invoice: TrajectoryInvoice,
    actor,
    *,
    approve: bool,
    reason: str | None,
    expected_version: int | None,
) -> TrajectoryInvoice:
    check_version(invoice, expected_version)
    if invoice.status != InvoiceStatus.SUBMITTED.value:
        raise CaseError(_("This invoice has already been decided."))
    if not approve and not (reason or "").strip():
        raise CaseError(_("Give the reason for the rejection."), field="reason")
    invoice.status = (InvoiceStatus.APPROVED if approve else InvoiceStatus.REJECTED).value
    invoice.decided_by = timeline.actor_name(actor)
    invoice.decided_at = utcnow()
    invoice.rejection_reason = None if approve else reason.strip()
    db.session.flush()
    if approve:
        signals.trajectory_invoice_approved.send(
            invoice,
            trajectory_id=invoice.trajectory_id,
            amount_cents=invoice.amount_cents,
            invoice_date=invoice.invoice_date,
            reference=invoice.reference,
            actor=actor,
        )
    timeline.record(
        invoice.case_id,
        EventKind.TRAJECTORY_INVOICE_DECIDED,
        actor,
        status=invoice.status,
        amount_cents=invoice.amount_cents,
    )
    return invoice
