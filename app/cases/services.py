"""The aftercare file's rules: access, opening, editing and the monitor snapshots.

Views call these through the action path (``app.core.actions.act``), which commits;
nothing here reads the request or commits.
Intake, the plan, notes, hand-over and transfer live in their own sub-modules.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import NotFound

from app.audit.tracking import note_access
from app.auth.api import User
from app.cases import phases, timeline
from app.cases.errors import CaseError
from app.cases.labels import MOMENT_LABELS
from app.cases.models import (
    CORE_LIFE_DOMAINS,
    Case,
    CasePhase,
    CaseSettings,
    Client,
    DomainSnapshot,
    DomainStatus,
    LifeDomain,
    LifeDomainKind,
    MonitorMoment,
)
from app.cases.plan.services import reconcile_plan
from app.cases.timeline import EventKind
from app.core.actions import check_version, flush_or_conflict
from app.core.audit import report_refused_access
from app.core.dates import add_months
from app.core.db import json_rows, utcnow
from app.core.permissions import Role
from app.core.settings import get_setting
from app.extensions import db

# --- access -----------------------------------------------------------------------------


def access_case(user: User, case_id: uuid.UUID) -> Case:
    """The case ``case_id`` if ``user`` may see it; 404 alike for foreign and missing. The
    client and the five life domains come in the case's statement (a statement of their
    own cost more than the case's columns repeated five times), the measurements in one
    more."""
    case = (
        db.session.scalars(
            select(Case)
            .where(Case.id == case_id)
            .options(
                joinedload(Case.client),
                joinedload(Case.life_domains),
                selectinload(Case.snapshots),
            )
        )
        .unique()
        .one_or_none()
    )
    if case is None:
        report_refused_access(user, "case", str(case_id))
        raise NotFound()
    note_access(
        tenant_id=case.tenant_id, client_id=case.client_id, object_type="case", object_id=case.id
    )
    return case


def access_life_domain(user: User, case: Case, domain_id: uuid.UUID) -> LifeDomain:
    domain = next((d for d in case.life_domains if d.id == domain_id), None)
    if domain is None:
        raise NotFound()
    return domain


class WorkerChoice(NamedTuple):
    """A case worker as a choice list shows one."""

    id: uuid.UUID
    display_name: str


def _worker_choices():
    return select(json_rows(User.id, User.display_name)).where(
        User.role == Role.CASE_WORKER.value, User.active.is_(True)
    )


def case_worker_choices() -> list[WorkerChoice]:
    """The case-worker choice lists (the case's form, the case list's filter, an incoming
    transfer): id and name of each active case worker, by name."""
    return worker_choices_from(db.session.scalar(_worker_choices()))


def case_worker_choices_column() -> ColumnElement:
    """The same choices as one column of another statement (read it with
    ``worker_choices_from``): the case list reads them in its page's statement, a round
    trip and a statement's ORM work less on every list (about 0.5 ms, 2026-12-07)."""
    return _worker_choices().scalar_subquery()


def worker_choices_from(value) -> list[WorkerChoice]:
    """The choices that ``case_worker_choices_column`` read, sorted by name without regard
    to capitals (then as written, then by id: the same order on every database)."""
    choices = [WorkerChoice(uuid.UUID(str(key)), name) for key, name in value]
    return sorted(choices, key=lambda c: (c.display_name.casefold(), c.display_name, c.id))


# --- settings ---------------------------------------------------------------------------


def tenant_settings() -> CaseSettings:
    """This municipality's intake API token row; empty (unsaved) until a token is issued.
    The file's settings are in the settings store (``get_setting("cases....")``)."""
    row = db.session.scalars(select(CaseSettings)).one_or_none()
    if row is None:
        row = CaseSettings()
    return row


def saved_tenant_settings() -> CaseSettings:
    row = tenant_settings()
    if row not in db.session:
        db.session.add(row)
    return row


def life_domain_kinds() -> tuple[LifeDomainKind, ...]:
    if get_setting("cases.social_network_domain"):
        return (*CORE_LIFE_DOMAINS, LifeDomainKind.SOCIAL_NETWORK)
    return CORE_LIFE_DOMAINS


# --- opening ----------------------------------------------------------------------------


def find_client_by_bsn(bsn: str) -> Client | None:
    """The known client with this citizen number in this municipality, if any."""
    return db.session.scalars(select(Client).where(Client.bsn == bsn)).one_or_none()


def open_case(client: Client, actor=None, **fields) -> Case:
    """A new case for ``client`` with the tenant's life domains, status unknown.

    A known client's new detention links to their latest earlier case.
    """
    fields.setdefault("phase", CasePhase.REGISTERED.value)
    kinds = life_domain_kinds()
    earlier = list(client.cases) if client in db.session and client.id else []
    case = Case(client=client, id=uuid.uuid4(), **fields)
    if earlier and case.previous_case_id is None:
        case.previous_case_id = earlier[-1].id
    case.life_domains = [
        LifeDomain(domain=kind.value, position=position, status=DomainStatus.UNKNOWN.value)
        for position, kind in enumerate(kinds)
    ]
    db.session.add(case)
    phases.start_history(case, actor)
    timeline.record(case.id, EventKind.OPENED, actor, phase=case.phase)
    return case


def _apply(row, changes: dict[str, Any]) -> dict[str, list]:
    diff = {}
    for field, value in changes.items():
        old = getattr(row, field)
        if old != value:
            diff[field] = [old, value]
            setattr(row, field, value)
    return diff


def update_life_domain(
    domain: LifeDomain,
    *,
    expected_version: int | None,
    actor,
    status: str,
    need: str | None,
    notes: str | None,
) -> dict[str, list]:
    """Save one life domain; a stale ``expected_version`` raises EditConflict, saving nothing."""
    check_version(domain, expected_version)
    status = DomainStatus(status).value
    diff = _apply(domain, {"status": status, "need": need or None, "notes": notes or None})
    if diff:
        flush_or_conflict(domain)
        timeline.record(
            domain.case_id, EventKind.DOMAIN_UPDATED, actor, domain=domain.domain, changes=diff
        )
        reconcile_plan(domain.case, actor)
    return diff


CASE_FIELDS = (
    "facility",
    "detention_start",
    "prolific_offender",
    "benefit_recipient",
    "case_worker_id",
)
CLIENT_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "address",
    "postal_address",
    "intended_address",
)


def update_case(case: Case, *, expected_version: int | None, actor, **changes) -> dict:
    """Edit the case's own fields (not the phase or the release dates: they have services)."""
    check_version(case, expected_version)
    unknown = set(changes) - set(CASE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    if "case_worker_id" in changes and changes["case_worker_id"] is not None:
        worker = db.session.get(User, (case.tenant_id, changes["case_worker_id"]))
        if worker is None or worker.role != Role.CASE_WORKER.value:
            raise CaseError(_("Choose a case worker of this municipality."), field="case_worker_id")
    moving_start = changes.get("detention_start", case.detention_start) != case.detention_start
    if moving_start and not case.is_closed:
        phases.refuse_a_second_open_case(case, changes["detention_start"], "detention_start")
    diff = _apply(case, changes)
    if diff:
        flush_or_conflict(case)
        timeline.record(case.id, EventKind.CASE_UPDATED, actor, changes=diff)
        reconcile_plan(case, actor)
        if "case_worker_id" in diff:
            # A new worker inside the notice window hears of the release now, not only
            # from tomorrow's daily plan.
            from app.cases.jobs import release_date_moved  # import here: jobs imports us

            release_date_moved(case)
    return diff


def update_client(case: Case, *, expected_version: int | None, actor, **changes) -> dict:
    """Edit the case's client; a stale ``expected_version`` raises EditConflict, saving nothing.

    The client has a version of its own: it can change through another of its cases or
    a new intake, which leave this case's version as it was.
    """
    client = case.client
    check_version(client, expected_version)
    unknown = set(changes) - set(CLIENT_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    diff = _apply(client, changes)
    if diff:
        flush_or_conflict(client)
        timeline.record(case.id, EventKind.CLIENT_UPDATED, actor, changes=diff)
    return diff


# --- release and the monitor --------------------------------------------------------------


def valid_snapshots(case: Case) -> list[DomainSnapshot]:
    """The measurements that count: voided ones are history only."""
    return [s for s in case.snapshots if s.voided_at is None]


def has_snapshot(case: Case, moment: MonitorMoment) -> bool:
    return any(s.moment == MonitorMoment(moment).value for s in valid_snapshots(case))


def six_month_window(case: Case) -> tuple[date, date] | None:
    """The days the six-month measurement may be taken: release + 6 months, the
    municipality's window (``six_month_window_days``) either side; None before a release."""
    due = six_month_snapshot_due(case)
    if due is None:
        return None
    days = timedelta(days=get_setting("cases.six_month_window_days"))
    return due - days, due + days


def refuse_out_of_time(case: Case, moment: MonitorMoment, today: date) -> None:
    """The monitor's moments at their time: the release measurement only with a recorded
    release, the six-month measurement only within its window around release + 6 months."""
    if moment == MonitorMoment.RELEASE and case.actual_release is None:
        raise CaseError(
            _("The release measurement can only be taken once the release is recorded.")
        )
    if moment == MonitorMoment.SIX_MONTHS:
        window = six_month_window(case)
        if window is None:
            raise CaseError(
                _("The six-month measurement can only be taken once the release is recorded.")
            )
        if not window[0] <= today <= window[1]:
            raise CaseError(
                _(
                    "The six-month measurement can only be taken from %(first)s to %(last)s.",
                    first=window[0].strftime("%d-%m-%Y"),
                    last=window[1].strftime("%d-%m-%Y"),
                )
            )


def take_snapshot(
    case: Case,
    moment: MonitorMoment,
    actor,
    *,
    today: date | None = None,
    rows: list[dict] | None = None,
) -> list[DomainSnapshot]:
    """Record every life domain's status at ``moment``, once.

    The monitor reports the status as it was at that moment; taking it again later
    would overwrite it with today's status, so a recorded moment is refused (void it
    first, with a reason, when it was taken by mistake). The release and six-month
    moments are refused outside their time (``refuse_out_of_time``).

    ``rows``: the measurement goes there as rows (a ``DomainSnapshot``'s attributes)
    instead of objects, for a batch of new cases that writes them itself with
    ``bulk.insert_new_rows`` (the intake batch); the case's snapshots in memory do not
    show it then, and nothing is returned.
    """
    moment = MonitorMoment(moment)
    if has_snapshot(case, moment):
        raise CaseError(
            _(
                "The measurement '%(moment)s' has already been recorded and cannot be taken again.",
                moment=MOMENT_LABELS[moment],
            )
        )
    refuse_out_of_time(case, moment, today or date.today())
    taken = []
    for domain in case.life_domains:
        values = {
            "case_id": case.id,
            "domain": domain.domain,
            "moment": moment.value,
            "status": domain.status,
            "taken_at": utcnow(),
            "actor_name": timeline.actor_name(actor),
        }
        if rows is not None:
            rows.append(values)
            continue
        snapshot = DomainSnapshot(**values)
        case.snapshots.append(snapshot)
        taken.append(snapshot)
    timeline.record(
        case.id,
        EventKind.SNAPSHOT,
        actor,
        moment=moment.value,
        statuses={d.domain: d.status for d in case.life_domains},
    )
    return taken


def void_snapshot(case: Case, moment: MonitorMoment, reason: str | None, actor) -> int:
    """Void the measurement ``moment`` (every domain of it) with a reason: the rows stay as
    history, every figure leaves them out, and the moment may be taken again in its time.
    Returns how many rows were voided."""
    moment = MonitorMoment(moment)
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("Give a reason for voiding the measurement."), field="reason")
    rows = [s for s in valid_snapshots(case) if s.moment == moment.value]
    if not rows:
        raise CaseError(
            _("The measurement '%(moment)s' has not been taken.", moment=MOMENT_LABELS[moment])
        )
    now = utcnow()
    for row in rows:
        row.voided_at = now
        row.void_reason = reason
    db.session.flush()
    timeline.record(case.id, EventKind.SNAPSHOT_VOIDED, actor, moment=moment.value, reason=reason)
    return len(rows)


def monitor_matrix(case: Case) -> list[dict]:
    """Rows of (domain, current status, status per monitor moment) for the case page."""
    by_key = {(s.domain, s.moment): s for s in valid_snapshots(case)}
    return [
        {
            "domain": domain,
            "moments": {m.value: by_key.get((domain.domain, m.value)) for m in MonitorMoment},
        }
        for domain in case.life_domains
    ]


def six_month_snapshot_due(case: Case) -> date | None:
    return add_months(case.actual_release, 6) if case.actual_release else None


def take_due_six_month_snapshots(today: date | None = None) -> int:
    """Take the six-month measurement of every open case whose release + 6 months has come
    and whose window (``six_month_window_days`` after it) has not passed, and that has none
    yet (for a daily job in the bound tenant). Returns how many were taken.

    Not for cases released long before (the job's first run would stamp today's status on
    them as their six-month value, for good) nor for closed ones (nobody measures them)."""
    today = today or date.today()
    due_on = add_months(today, -6)
    window = timedelta(days=get_setting("cases.six_month_window_days"))
    cases = db.session.scalars(
        select(Case)
        .where(
            Case.actual_release.is_not(None),
            Case.actual_release <= due_on,
            Case.actual_release >= due_on - window - timedelta(days=3),
            Case.phase != CasePhase.CLOSED.value,
        )
        .options(selectinload(Case.life_domains), selectinload(Case.snapshots))
    ).all()
    taken = 0
    for case in cases:
        window_days = six_month_window(case)
        if has_snapshot(case, MonitorMoment.SIX_MONTHS) or not (
            six_month_snapshot_due(case) <= today <= window_days[1]
        ):
            continue
        take_snapshot(case, MonitorMoment.SIX_MONTHS, None, today=today)
        taken += 1
    return taken
