"""The municipality of responsibility: a reference, proposed from the client's addresses.

The client's municipality of responsibility is either a municipality of the region (its
tenant slug, ``Client.responsible_tenant``) or ``OUTSIDE`` with the other
municipality's name (``Client.responsible_outside_name``); who confirmed it and when is
kept beside it (``responsible_confirmed_by``/``_at``). An intake only proposes: a case
worker confirms.

The proposal (``propose``): the municipality of the intended address after detention;
without such an address, the one of the address before detention. The municipality
comes from the address's four-digit postcode and the ranges in
``app/cases/postcodes.json`` (shipped, editable: each range names a tenant slug). A
postcode in no range gives no proposal, and neither does an intended address without a
postcode: the case worker chooses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from app.cases import timeline
from app.cases.errors import CaseError
from app.cases.timeline import EventKind
from app.core.db import utcnow
from app.core.tenancy import current_tenant_id
from app.extensions import db
from app.tenants.api import Tenant

OUTSIDE = "outside"
POSTCODES = Path(__file__).with_name("postcodes.json")
_POSTCODE = re.compile(r"\b([1-9][0-9]{3})\s?[A-Za-z]{2}\b")


@cache
def postcode_ranges() -> tuple[tuple[int, int, str], ...]:
    data = json.loads(POSTCODES.read_text(encoding="utf-8"))
    return tuple((int(r["from"]), int(r["to"]), str(r["municipality"])) for r in data["ranges"])


def postcode_of(address: str | None) -> int | None:
    """The four digits of the first Dutch postcode (``1234 AB``) in ``address``."""
    match = _POSTCODE.search(address or "")
    return int(match.group(1)) if match else None


def municipality_of(address: str | None) -> str | None:
    """The tenant slug whose postcode range holds the address's postcode, if any."""
    code = postcode_of(address)
    if code is None:
        return None
    return next((slug for low, high, slug in postcode_ranges() if low <= code <= high), None)


def propose(address_before: str | None, intended_address: str | None) -> str | None:
    """The proposed municipality (a tenant slug) or None: the case worker chooses."""
    if intended_address and intended_address.strip():
        return municipality_of(intended_address)
    return municipality_of(address_before)


def region_tenants() -> list[Tenant]:
    own = db.session.get(Tenant, current_tenant_id(db.session))
    query = select(Tenant).order_by(Tenant.name)
    if own is not None:
        query = query.where(Tenant.region == own.region)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Responsible:
    """What the case page shows of the client's municipality of responsibility."""

    slug: str | None  # a region tenant's slug, OUTSIDE, or None (not known)
    name: str | None  # the municipality's name
    confirmed_by: str | None
    confirmed_at: object
    proposed_slug: str | None
    proposed_name: str | None
    other_in_region: Tenant | None  # another municipality of the region: transfer proposed
    outside: bool


def responsible_of(case, region: list[Tenant] | None = None) -> Responsible:
    """The client's municipality of responsibility, as the case page shows it. The region's
    municipalities are read only when the responsibility (set or proposed) names one other
    than the case's own: for most files it is their own, already loaded with the session."""
    client = case.client
    slug = client.responsible_tenant
    proposed = propose(client.address, client.intended_address)
    if region is None:
        own = db.session.get(Tenant, case.tenant_id)
        named = {slug, proposed} - {None, OUTSIDE}
        region = [own] if own is not None and named <= {own.slug} else region_tenants()
    by_slug = {t.slug: t for t in region}
    if slug == OUTSIDE:
        name = client.responsible_outside_name
    else:
        name = by_slug[slug].name if slug in by_slug else None
    effective = slug or proposed
    other = by_slug.get(effective) if effective not in (None, OUTSIDE) else None
    if other is not None and other.id == case.tenant_id:
        other = None
    return Responsible(
        slug=slug,
        name=name,
        confirmed_by=client.responsible_confirmed_by,
        confirmed_at=client.responsible_confirmed_at,
        proposed_slug=proposed,
        proposed_name=by_slug[proposed].name if proposed in by_slug else None,
        other_in_region=other,
        outside=slug == OUTSIDE,
    )


def resolve(text: str | None, region: list[Tenant] | None = None) -> tuple[str | None, str | None]:
    """A municipality named in free text (an intake, an old value): (slug, None) for one of
    the region (by slug or name, case ignored), (OUTSIDE, name) for any other, (None, None)
    for nothing."""
    text = (text or "").strip()
    if not text:
        return None, None
    region = region_tenants() if region is None else region
    for tenant in region:
        if text.lower() in (tenant.slug.lower(), tenant.name.lower()):
            return tenant.slug, None
    return OUTSIDE, text


def set_responsible(
    client, case_id, slug: str | None, outside_name: str | None, actor, *, confirm: bool
) -> None:
    """Set the client's municipality of responsibility (a slug of the region, or OUTSIDE
    with a name); ``confirm`` records the actor and the time (a case worker's choice),
    otherwise it is a proposal (an intake). Flushes nothing; writes a timeline line."""
    region = region_tenants()
    if slug == OUTSIDE:
        outside_name = (outside_name or "").strip()
        if not outside_name:
            raise CaseError(
                _("Name the municipality outside the region."), field="responsible_outside_name"
            )
    elif slug not in {t.slug for t in region}:
        raise CaseError(_("Choose a municipality of the region."), field="responsible_tenant")
    else:
        outside_name = None
    before = (client.responsible_tenant, client.responsible_outside_name)
    client.responsible_tenant = slug
    client.responsible_outside_name = outside_name
    if confirm:
        client.responsible_confirmed_by = timeline.actor_name(actor)
        client.responsible_confirmed_at = utcnow()
    if case_id is not None and (before != (slug, outside_name) or confirm):
        timeline.record(
            case_id,
            EventKind.RESPONSIBLE_SET,
            actor,
            municipality=outside_name or next((t.name for t in region if t.slug == slug), slug),
            outside=slug == OUTSIDE,
            confirmed=confirm,
        )
