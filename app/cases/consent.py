"""Consent as a capability of the file: which life domains of which cases may be shared
with whom, answered for many cases in one query (``shareable_domains``).

The recorded bases (``DomainConsent``) are history; per recipient kind the rule is:

- a **partner** (a referral) and the **care director** (the hand-over): the latest
  recording of the domain counts, and it must be consent given or the statutory basis
  (sharing the reintegration plan with the municipality's partners has one since 2021);
- the **volunteer programme**: only recorded consent counts (../shared/DOMAIN.md: "sharing
  with volunteers still rests on consent"): the latest recording of consent for the
  domain must be consent given. A statutory basis counts for nothing here, and neither
  hides nor replaces a withdrawal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import func, select

from app.cases.handover.models import DomainConsent, SharingBasis
from app.extensions import db


class Recipient(StrEnum):
    PARTNER = "partner"
    CARE_DIRECTOR = "care_director"
    VOLUNTEER_PROGRAMME = "volunteer_programme"


CONSENT = frozenset({SharingBasis.CONSENT_GIVEN.value, SharingBasis.CONSENT_WITHDRAWN.value})
# Which recordings a recipient's rule reads, and which of them allow sharing.
CONSIDERED: dict[Recipient, frozenset[str] | None] = {
    Recipient.PARTNER: None,  # every recording: the latest one counts
    Recipient.CARE_DIRECTOR: None,
    Recipient.VOLUNTEER_PROGRAMME: CONSENT,
}
ALLOWING: dict[Recipient, frozenset[str]] = {
    Recipient.PARTNER: frozenset({SharingBasis.CONSENT_GIVEN.value, SharingBasis.STATUTORY.value}),
    Recipient.CARE_DIRECTOR: frozenset(
        {SharingBasis.CONSENT_GIVEN.value, SharingBasis.STATUTORY.value}
    ),
    Recipient.VOLUNTEER_PROGRAMME: frozenset({SharingBasis.CONSENT_GIVEN.value}),
}


def shareable_domains(
    case_ids: Iterable[uuid.UUID], recipient: Recipient | str
) -> dict[uuid.UUID, set[str]]:
    """{case id: the domains that may go to ``recipient``} for every given case (an empty
    set where none may), in one query whatever the number of cases. Cases of another
    municipality are not seen (the tenant scope) and answer an empty set."""
    recipient = Recipient(recipient)
    ids = list(dict.fromkeys(case_ids))
    answer: dict[uuid.UUID, set[str]] = {case_id: set() for case_id in ids}
    if not ids:
        return answer
    rank = (
        func.row_number()
        .over(
            partition_by=(DomainConsent.case_id, DomainConsent.domain),
            order_by=(DomainConsent.recorded_at.desc(), DomainConsent.id),
        )
        .label("rank")
    )
    recorded = select(DomainConsent.case_id, DomainConsent.domain, DomainConsent.basis, rank)
    recorded = recorded.where(DomainConsent.case_id.in_(ids))
    considered = CONSIDERED[recipient]
    if considered is not None:
        recorded = recorded.where(DomainConsent.basis.in_(sorted(considered)))
    latest = recorded.subquery()
    rows = db.session.execute(
        select(latest.c.case_id, latest.c.domain).where(
            latest.c.rank == 1, latest.c.basis.in_(sorted(ALLOWING[recipient]))
        )
    )
    for case_id, domain in rows:
        answer[case_id].add(domain)
    return answer


def may_share_with(case_id: uuid.UUID, domain: str, recipient: Recipient | str) -> bool:
    return domain in shareable_domains([case_id], recipient)[case_id]
