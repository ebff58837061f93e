"""Consent and legal basis per life domain; referrals (which check it); trajectories."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.cases import timeline
from app.cases.consent import Recipient, may_share_with, shareable_domains
from app.cases.errors import CaseError
from app.cases.handover.models import (
    DomainConsent,
    Referral,
    ReferralStatus,
    SharingBasis,
    Trajectory,
    TrajectoryStatus,
)
from app.cases.labels import partner_kind_label
from app.cases.models import DEFAULT_CARE_DIRECTOR, Case
from app.cases.partners import services as partners
from app.cases.partners.models import Partner, PartnerKind
from app.cases.plan import services as plan
from app.cases.plan.models import STARTS_AFTER_RELEASE
from app.cases.timeline import EventKind
from app.core import signals
from app.core.actions import check_version, create_once
from app.core.settings import get_setting
from app.core.signals import consent_recorded
from app.extensions import db

# --- consent and legal basis ----------------------------------------------------------------


def consent_history(case: Case) -> list[DomainConsent]:
    return list(
        db.session.scalars(
            select(DomainConsent)
            .where(DomainConsent.case_id == case.id)
            .order_by(DomainConsent.recorded_at.desc(), DomainConsent.id)
        )
    )


def current_bases(case: Case) -> dict[str, DomainConsent]:
    """The latest recording per life domain (a domain without one may not be shared)."""
    return current_bases_of(consent_history(case))


def current_bases_of(history: list[DomainConsent]) -> dict[str, DomainConsent]:
    """The latest recording per life domain of ``history`` (``consent_history``'s order)."""
    current: dict[str, DomainConsent] = {}
    for row in history:
        current.setdefault(row.domain, row)
    return current


def record_basis(
    case: Case,
    actor,
    *,
    domain: str,
    basis: str,
    effective_on: date,
    note: str | None = None,
    submission_key: uuid.UUID | None = None,
) -> DomainConsent:
    """Record consent, its withdrawal or a statutory basis for one life domain; the same
    form posted again (same ``submission_key``) returns the first recording."""

    def build() -> DomainConsent:
        if domain not in {d.domain for d in case.life_domains}:
            raise CaseError(_("Choose a life domain of this case."), field="domain")
        if effective_on > date.today():
            raise CaseError(_("The date cannot be in the future."), field="effective_on")
        return DomainConsent(
            case_id=case.id,
            domain=domain,
            basis=SharingBasis(basis).value,
            effective_on=effective_on,
            note=note,
            recorded_by=timeline.actor_name(actor),
        )

    row, created = create_once(DomainConsent, submission_key, build)
    if created:
        timeline.record(
            case.id, EventKind.CONSENT, actor, domain=domain, basis=basis, effective_on=effective_on
        )
        db.session.flush()
        consent_recorded.send(case, basis=row.basis, actor=timeline.actor_name(actor))
    return row


# --- referrals --------------------------------------------------------------------------------


def referrals_of(case: Case) -> list[Referral]:
    return list(
        db.session.scalars(
            select(Referral).where(Referral.case_id == case.id).order_by(Referral.created_at.desc())
        )
    )


def access_referral(case: Case, referral_id: uuid.UUID) -> Referral:
    row = db.session.scalars(
        select(Referral).where(Referral.id == referral_id, Referral.case_id == case.id)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row


def refer(
    case: Case,
    actor,
    *,
    domain: str,
    partner: str | uuid.UUID,
    request: str | None,
    today: date | None = None,
    submission_key: uuid.UUID | None = None,
) -> Referral:
    """Refer the client to a partner for one domain: only with consent or a statutory basis.

    ``partner`` is the id of one of the municipality's partners that takes referrals, or a
    partner kind (``PartnerKind``): the municipality's first partner of that kind that takes
    referrals, or, when it has none, the kind itself (a referral to the function, named by
    its label). The referral keeps the partner's name as it was then.
    The same form posted again (same ``submission_key``) returns the first referral."""

    def build() -> Referral:
        if case.is_closed:
            raise CaseError(_("A closed case cannot be referred."))
        if domain not in {d.domain for d in case.life_domains}:
            raise CaseError(_("Choose a life domain of this case."), field="domain")
        if not may_share_with(case.id, domain, Recipient.PARTNER):
            raise CaseError(
                _("No consent or statutory basis to share this life domain: record it first."),
                field="domain",
            )
        partner_id, kind, name = referral_target(partner)
        sent_on = today or date.today()
        return Referral(
            case_id=case.id,
            domain=domain,
            partner=name,
            partner_kind=kind,
            partner_id=partner_id,
            request=request,
            status=ReferralStatus.SENT.value,
            sent_on=sent_on,
            starts_on=referral_start(case, kind, sent_on),
            referred_by=timeline.actor_name(actor),
        )

    referral, created = create_once(Referral, submission_key, build)
    if created:
        after = referral.partner_kind in STARTS_AFTER_RELEASE and (
            case.actual_release is None
            or (referral.starts_on or referral.sent_on) > referral.sent_on
        )
        timeline.record(
            case.id,
            EventKind.REFERRAL,
            actor,
            domain=domain,
            partner=referral.partner,
            partner_kind=referral.partner_kind,
            starts_on=referral.starts_on,
            # The file says why the help waits: the partner starts only after the release.
            starts_after_release=after,
        )
    return referral


def referral_start(case: Case, kind: str | None, sent_on: date) -> date | None:
    """The day the partner's help starts; None: when the referral is sent.

    For a partner whose help only starts after the release (debt help: DOMAIN.md, debt
    counselling starts when there is income) it is the day after the release (the
    recorded one, else the expected one), or the day it was sent when that is later (a
    referral made after the release starts at once, and its date says so). While the
    client is detained and no release date is known it is None: "after the release",
    the date follows as soon as one is set (``follow_release``)."""
    if kind not in STARTS_AFTER_RELEASE:
        return None
    release = case.actual_release or case.expected_release
    if release is None:
        return None
    return max(release + timedelta(days=1), sent_on)


# Why an open referral's start moved, as the timeline keeps it (``follow_release``'s
# ``cause``; ``_event_text.html`` says it in words).
RELEASE_CAUSES = ("release_moved", "released", "release_corrected")


def follow_release(case: Case, *, cause: str, actor=None, **_kwargs) -> int:
    """The open referrals whose help starts after the release follow the release date.

    Listens to ``signals.release_changed`` (the expected release moved, the release
    recorded or corrected: ``cases/release.py``). A referral still waiting for the
    partner's answer (status sent) to a partner of ``STARTS_AFTER_RELEASE`` gets the start
    ``referral_start`` gives for the dates as they stand now, and the file says why (one
    ``referral_start_moved`` entry per referral that moved, with the cause). An accepted
    referral keeps its start: the partner agreed on it, and the case worker talks to them
    about a change; a rejected or finished one is history. Other partners' help starts
    when sent and does not move; a closed case is left as it is. Returns how many moved."""
    if cause not in RELEASE_CAUSES:
        raise ValueError(cause)
    if case.is_closed:
        return 0
    waiting = db.session.scalars(
        select(Referral).where(
            Referral.case_id == case.id,
            Referral.status == ReferralStatus.SENT.value,
            Referral.partner_kind.in_(sorted(STARTS_AFTER_RELEASE)),
        )
    )
    moved = 0
    for referral in waiting:
        start = referral_start(case, referral.partner_kind, referral.sent_on)
        if start == referral.starts_on:
            continue
        timeline.record(
            case.id,
            EventKind.REFERRAL_START_MOVED,
            actor,
            referral=referral.id,
            partner=referral.partner,
            partner_kind=referral.partner_kind,
            domain=referral.domain,
            old=referral.starts_on,
            new=start,
            cause=cause,
            release=case.actual_release or case.expected_release,
        )
        referral.starts_on = start
        moved += 1
    return moved


# The plan's party codes that referrals named before partners were data, and their kind
# (a caller that still sends one is understood; the migration converted the stored rows).
LEGACY_PARTIES = {
    "budget_advice": PartnerKind.DEBT_HELP.value,
    "work_and_income": PartnerKind.INCOME.value,
    "employment_agency": PartnerKind.INCOME.value,
}


def referral_target(partner: str | uuid.UUID) -> tuple[uuid.UUID | None, str, str]:
    """(partner id or None, kind, name) of a referral to ``partner`` (an id or a kind)."""
    if isinstance(partner, Partner):
        partner = partner.id
    if isinstance(partner, str):
        partner = LEGACY_PARTIES.get(partner, partner)
    if not isinstance(partner, uuid.UUID) and partner in {k.value for k in PartnerKind}:
        found = partners.partners_of_kind(partner, referrals=True)
        if not found:
            # The kind's name as the municipality reads it, kept as text (also in a job).
            with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")):
                return None, partner, partner_kind_label(partner)
        partner = found[0].id
    try:
        partner_id = partner if isinstance(partner, uuid.UUID) else uuid.UUID(str(partner))
    except ValueError:
        raise CaseError(_("Choose a partner that takes referrals."), field="partner") from None
    row = partners.referral_partner(partner_id)
    return row.id, row.kind, row.name


OUTCOMES = {
    ReferralStatus.SENT: {ReferralStatus.ACCEPTED, ReferralStatus.REJECTED},
    ReferralStatus.ACCEPTED: {ReferralStatus.DONE, ReferralStatus.REJECTED},
    ReferralStatus.REJECTED: set(),
    ReferralStatus.DONE: set(),
}


def record_outcome(
    referral: Referral,
    actor,
    *,
    status: str,
    reason: str | None,
    outcome: str | None,
    expected_version: int | None,
    today: date | None = None,
) -> None:
    check_version(referral, expected_version)
    new = ReferralStatus(status)
    if new not in OUTCOMES[ReferralStatus(referral.status)]:
        raise CaseError(_("This outcome does not follow from the referral's status."))
    if new == ReferralStatus.REJECTED and not (reason or "").strip():
        raise CaseError(_("Give the reason for the rejection."))
    referral.status = new.value
    referral.rejection_reason = reason if new == ReferralStatus.REJECTED else None
    referral.outcome = outcome or referral.outcome
    referral.decided_on = today or date.today()
    timeline.record(
        referral.case_id,
        EventKind.REFERRAL_OUTCOME,
        actor,
        partner=referral.partner,
        status=new.value,
        reason=reason,
    )


# --- trajectories -------------------------------------------------------------------------------


def trajectories_of(case: Case) -> list[Trajectory]:
    return list(
        db.session.scalars(
            select(Trajectory)
            .where(Trajectory.case_id == case.id)
            .order_by(Trajectory.start_date.desc())
        )
    )


def access_trajectory(case: Case, trajectory_id: uuid.UUID) -> Trajectory:
    row = db.session.scalars(
        select(Trajectory).where(Trajectory.id == trajectory_id, Trajectory.case_id == case.id)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row


# --- the hand-over's guards (issue 11, point 7): small checks, each on its own -----------------
# ``check_hand_over`` runs them in order; ``hand_over`` itself calls it, so every path (the
# form, the demo, a script, another feature through ``app.cases.api``) is guarded alike.
# A budget check can be added beside them as one more function.


def refuse_a_second_trajectory(case: Case, reason: str | None) -> None:
    """One active trajectory per case; a second only with a reason."""
    active = db.session.scalar(
        select(Trajectory.id)
        .where(
            Trajectory.case_id == case.id,
            Trajectory.status.in_([TrajectoryStatus.ACTIVE.value, TrajectoryStatus.PROPOSED.value]),
        )
        .limit(1)
    )
    if active is not None and not reason:
        raise CaseError(
            _(
                "This case already has an active trajectory with the care director: "
                "give the reason for a second one."
            ),
            field="reason",
        )


def refuse_without_sharing_basis(case: Case) -> set[str]:
    """The hand-over covers the domains that may go to the care director; none: refused.
    Returns those domains."""
    shared = shareable_domains([case.id], Recipient.CARE_DIRECTOR)[case.id]
    if not shared:
        raise CaseError(
            _(
                "No life domain may be shared with the care director: record a sharing "
                "basis (consent or the statutory basis) first."
            )
        )
    return shared


def target_group_warning(case: Case):
    """The plan's rule for the target groups outside the care director's budget, or None."""
    if case.prolific_offender or case.benefit_recipient:
        return _(
            "The plan leaves prolific offenders and benefit recipients out of the care "
            "director's budget (they have their own approach): give the reason for handing "
            "this client over."
        )
    return None


def refuse_target_group_without_reason(case: Case, reason: str | None) -> None:
    warning = target_group_warning(case)
    if warning is not None and not reason:
        raise CaseError(warning, field="reason")


def check_hand_over(case: Case, reason: str | None) -> set[str]:
    """Every guard of the hand-over, in order; returns the domains the trajectory covers."""
    reason = (reason or "").strip() or None
    shared = refuse_without_sharing_basis(case)
    refuse_a_second_trajectory(case, reason)
    refuse_target_group_without_reason(case, reason)
    return shared


def hand_over(
    case: Case,
    actor,
    *,
    start_date: date,
    end_date: date | None = None,
    cost_cents: int | None = None,
    provider: str | None = None,
    submission_key: uuid.UUID | None = None,
    reason: str | None = None,
) -> Trajectory:
    """Hand the case to the care director as a trajectory (the municipality's care director
    and default cost unless given), guarded by ``check_hand_over``: a sharing basis for at
    least one life domain (the trajectory covers those), one active trajectory per case
    unless ``reason`` is given, and a reason for a prolific offender or benefit recipient.

    The care director is the municipality's partner of kind care director that takes
    trajectories (``partners.care_director``); its bound provider workers see the
    trajectory. A municipality without one hands over to the name of the setting
    ``cases.care_director_name``, and no provider worker sees it.
    The same form posted again (same ``submission_key``) returns the first trajectory: a
    trajectory is paid for."""
    director = partners.care_director() if provider is None else None
    if director is not None:
        provider = director.name
    provider = provider or get_setting("cases.care_director_name") or DEFAULT_CARE_DIRECTOR
    if cost_cents is None:
        cost_cents = get_setting("cases.trajectory_default_cost_euros") * 100

    def build() -> Trajectory:
        if case.is_closed:
            raise CaseError(_("A closed case cannot be handed over."))
        check_hand_over(case, reason)
        if end_date and end_date < start_date:
            raise CaseError(_("The end date cannot be before the start date."), field="end_date")
        if cost_cents < 0:
            raise CaseError(_("The cost cannot be negative."), field="cost_euros")
        return Trajectory(
            case_id=case.id,
            provider=provider,
            partner_id=director.id if director is not None else None,
            shared_domains=sorted(shareable_domains([case.id], Recipient.CARE_DIRECTOR)[case.id]),
            cost_cents=cost_cents,
            start_date=start_date,
            end_date=end_date,
            status=TrajectoryStatus.ACTIVE.value,
            handed_over_by=timeline.actor_name(actor),
        )

    trajectory, created = create_once(Trajectory, submission_key, build)
    if created:
        # What the care director may read of the file from now on, as the file says today.
        shared = shareable_domains([case.id], Recipient.CARE_DIRECTOR)[case.id]
        timeline.record(
            case.id,
            EventKind.TRAJECTORY,
            actor,
            provider=provider,
            cost_cents=cost_cents,
            start=start_date,
            end=end_date,
            shared_domains=sorted(shared),
            reason=(reason or "").strip() or None,
        )
        plan.reconcile_plan(case, actor)
        announce_hand_over(trajectory, actor)
    return trajectory


def announce_hand_over(trajectory: Trajectory, actor) -> None:
    """Tell the listeners (the budget's commitment) of a new trajectory; one may refuse."""
    db.session.flush()
    signals.trajectory_handed_over.send(trajectory, actor=actor)


def update_trajectory(
    trajectory: Trajectory,
    actor,
    *,
    status: str,
    end_date: date | None,
    expected_version: int | None,
) -> None:
    check_version(trajectory, expected_version)
    if end_date and end_date < trajectory.start_date:
        raise CaseError(_("The end date cannot be before the start date."))
    changed = trajectory.status != TrajectoryStatus(status).value
    trajectory.status = TrajectoryStatus(status).value
    trajectory.end_date = end_date
    if changed:
        signals.trajectory_status_changed.send(trajectory, actor=actor)
    timeline.record(
        trajectory.case_id, EventKind.TRAJECTORY_UPDATED, actor, status=status, end=end_date
    )
    plan.reconcile_plan(db.session.get(Case, (trajectory.tenant_id, trajectory.case_id)), actor)
