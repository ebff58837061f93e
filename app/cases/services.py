"""Reading the aftercare file. Views call these; nothing here reads the request."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from app.auth.models import User
from app.cases.models import CORE_LIFE_DOMAINS, Case, Client, DomainStatus, LifeDomain
from app.extensions import db

security_log = logging.getLogger("nazorg.security")


def access_case(user: User, case_id: uuid.UUID) -> Case:
    """The case ``case_id`` if ``user`` may see it; 404 alike for foreign and missing."""
    case = db.session.scalars(
        select(Case)
        .where(Case.id == case_id)
        .options(selectinload(Case.client), selectinload(Case.life_domains))
    ).one_or_none()
    if case is None:
        security_log.warning(
            "case not found or not accessible",
            extra={
                "user": str(user.id),
                "tenant": user.tenant_id,
                "case": str(case_id),
                "result": "not_found",
            },
        )
        raise NotFound()
    return case


def list_cases(user: User) -> list[Case]:
    return list(
        db.session.scalars(
            select(Case)
            .join(Case.client)
            .options(selectinload(Case.client))
            .order_by(Case.expected_release.asc().nulls_last(), Client.family_name)
        )
    )


def open_case(client: Client, **fields) -> Case:
    """A new case for ``client`` with the five core life domains, status unknown."""
    case = Case(client=client, **fields)
    case.life_domains = [
        LifeDomain(domain=kind.value, position=position, status=DomainStatus.UNKNOWN.value)
        for position, kind in enumerate(CORE_LIFE_DOMAINS)
    ]
    db.session.add(case)
    return case
