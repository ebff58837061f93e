"""Opening the cases behind a figure across the region: the regional coordinator's read.

From a figure of the regional overview the coordinator reaches the list behind it:

- for the centre's own municipality (Deventer) the list is the centre's own cases, read in
  the request's own session, and each case opens on the ordinary case page;
- for another municipality only after giving a reason: a choice from ``REASONS`` plus a
  text. The reason holds for that municipality for ``REASON_MINUTES`` (kept in the signed
  session, never in a URL); every list shown and every case opened is written to the
  access log **of the client's municipality** with the reason (``detail``), so that its
  privacy officer sees it; the case is shown read-only.

The rows of another municipality are read in a session bound to that municipality
(``tenant_app_context``, as the transfer and the referral do): isolation is never switched
off and the request's own session never holds another municipality's rows. Only plain
values leave that session. Only municipalities of the coordinator's own region can be
opened; any other is a 404 like a case that does not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import session as cookie
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from app.audit.models import AccessAction
from app.audit.services import record_access
from app.cases.api import LIST_FIGURES, Case, cases_behind
from app.core.audit import report_refused_access
from app.core.context import tenant_app_context
from app.core.forms import Choice, Form, TextField
from app.core.tenants import Tenant, region_of
from app.extensions import db
from app.regional.overview import Period, may_see_region

REASONS = {
    "signal": _l("A signal from a partner or the client about this group"),
    "coordination": _l("Coordinating aftercare with this municipality"),
    "quality": _l("Checking a figure of the regional monitor"),
    "other": _l("Other (explain below)"),
}
REASON_MINUTES = 30
_KEY = "regional_reasons"
EXPLANATION_MAX = 200


class ReasonForm(Form):
    """Why the coordinator opens another municipality's cases."""

    reason = Choice(_l("Reason"), values=tuple(REASONS), required=True)
    explanation = TextField(_l("Explanation"), max_length=EXPLANATION_MAX, required=True)
    gemeente = TextField(max_length=40, required=True)
    cijfer = TextField(max_length=40, required=True)
    periode = TextField(max_length=10)


@dataclass(frozen=True)
class Reason:
    code: str
    text: str

    @property
    def logged(self) -> str:
        """What the access log keeps: the choice and the text, whole (the longest choice
        with an explanation of ``EXPLANATION_MAX`` fits the log's column: a test holds it)."""
        return f"regionale inzage, reden: {REASONS[self.code]}: {self.text}"


@dataclass(frozen=True)
class ListedCase:
    case_id: uuid.UUID
    client_id: uuid.UUID
    name: str
    phase: str
    expected_release: date | None
    actual_release: date | None


def target_tenant(user, slug: str) -> Tenant:
    """A municipality of the coordinator's region by its slug; 404 (logged) otherwise."""
    if not may_see_region(user):
        report_refused_access(user, "regional_cases", slug)
        raise NotFound()
    tenant = next((t for t in region_of(user.tenant_id) if t.slug == slug), None)
    if tenant is None:
        report_refused_access(user, "regional_cases", slug)
        raise NotFound()
    return tenant


def check_figure(figure: str) -> str:
    if figure not in LIST_FIGURES:
        raise NotFound()
    return figure


# --- the reason -----------------------------------------------------------------------------


def give_reason(tenant: Tenant, code: str, text: str) -> None:
    reasons = dict(cookie.get(_KEY) or {})
    until = datetime.now(UTC) + timedelta(minutes=REASON_MINUTES)
    reasons[str(tenant.id)] = {"code": code, "text": text, "until": until.isoformat()}
    cookie[_KEY] = reasons


def reason_for(tenant: Tenant) -> Reason | None:
    """The reason given for ``tenant`` in this session, while it holds."""
    given = (cookie.get(_KEY) or {}).get(str(tenant.id))
    if not given or given.get("code") not in REASONS:
        return None
    try:
        until = datetime.fromisoformat(given["until"])
    except (KeyError, TypeError, ValueError):
        return None
    if until < datetime.now(UTC):
        return None
    return Reason(given["code"], str(given.get("text", ""))[:EXPLANATION_MAX])


# --- reading -------------------------------------------------------------------------------


def _listed(case: Case) -> ListedCase:
    return ListedCase(
        case_id=case.id,
        client_id=case.client_id,
        name=case.client.full_name,
        phase=case.phase,
        expected_release=case.expected_release,
        actual_release=case.actual_release,
    )


def list_cases(user, tenant: Tenant, figure: str, period: Period, today: date, reason) -> list:
    """The cases behind ``figure`` of ``tenant``. The centre's own in its own session; another
    municipality's in a session bound to it, each listed client logged there with the
    reason."""
    if tenant.id == user.tenant_id:
        return [_listed(c) for c in cases_behind(figure, period.start, period.end, today)]
    with tenant_app_context(tenant.id):
        listed = [_listed(c) for c in cases_behind(figure, period.start, period.end, today)]
    for case in listed:
        record_access(
            user,
            tenant_id=tenant.id,
            client_id=case.client_id,
            object_type="case",
            object_id=case.case_id,
            action=AccessAction.SEARCH,
            detail=reason.logged,
        )
    return listed


@dataclass(frozen=True)
class CaseView:
    """What the read-only case page of another municipality shows."""

    case_id: uuid.UUID
    name: str
    date_of_birth: date
    phase: str
    facility: str | None
    detention_start: date | None
    expected_release: date | None
    actual_release: date | None
    domains: list[tuple[str, str, str | None]]  # (domain, status, need)
    measurements: list[tuple[str, str, str, bool]]  # (moment, domain, status, voided)


def read_case(user, tenant: Tenant, case_id: uuid.UUID, reason: Reason) -> CaseView:
    """One case of another municipality, read in a session bound to it; the opening is
    written to that municipality's access log with the reason. 404 when it is not there."""
    with tenant_app_context(tenant.id):
        case = db.session.scalars(
            select(Case)
            .where(Case.id == case_id)
            .options(
                selectinload(Case.client),
                selectinload(Case.life_domains),
                selectinload(Case.snapshots),
            )
        ).one_or_none()
        view = None
        if case is not None:
            view = CaseView(
                case_id=case.id,
                name=case.client.full_name,
                date_of_birth=case.client.date_of_birth,
                phase=case.phase,
                facility=case.facility,
                detention_start=case.detention_start,
                expected_release=case.expected_release,
                actual_release=case.actual_release,
                domains=[(d.domain, d.status, d.need) for d in case.life_domains],
                measurements=[
                    (s.moment, s.domain, s.status, s.voided_at is not None) for s in case.snapshots
                ],
            )
            client_id = case.client_id
    if view is None:
        report_refused_access(user, "regional_case", str(case_id))
        raise NotFound()
    record_access(
        user,
        tenant_id=tenant.id,
        client_id=client_id,
        object_type="case",
        object_id=case_id,
        action=AccessAction.READ,
        detail=reason.logged,
    )
    return view
