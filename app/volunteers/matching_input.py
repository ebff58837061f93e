"""From rows to the matching's input: the one conversion of volunteers, referrals and the
programme's open circles into ``WaitingClient``, ``Candidate`` and ``AcceptedCircle``.

- Availability is stored as ``"<weekday>:<part of day>"`` (``"tue:evening"``); the
  matching wants ``(weekday 0..6, part of day)`` (``(1, "evening")``). A stored slot that
  does not parse is left out (and logged), never guessed.
- Languages: a client or volunteer with none recorded is taken to speak Dutch (the
  programme's language).
- Place: the postcode area's centroid (``app.volunteers.postcodes``). A referral carries
  at most the four digits; without them the referring municipality's centre, then the
  region's centre is used, and the proposal says the distance is approximate.
- Places to avoid: the four-digit areas and the places of the region the case worker
  named in words.
- Needs and skills: the longer words the client's needs and the volunteer's skills share.
- Experience: whole years since the volunteer first became active (status history).
- Accepted circles: every circle of the programme that is not closed, with its current
  inner circle, so that a re-run leaves them exactly as they are and counts their places
  against the volunteers' capacity.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.volunteers import circles, postcodes, services
from app.volunteers.matching import (
    DUTCH,
    AcceptedCircle,
    Candidate,
    Slot,
    WaitingClient,
)
from app.volunteers.models import (
    Circle,
    CirclePhase,
    GenderPreference,
    ProgrammeReferral,
    Volunteer,
    VolunteerStatus,
    Weekday,
)

log = logging.getLogger("nazorg.volunteers")
WEEKDAY_NUMBER = {day.value: number for number, day in enumerate(Weekday)}
PARTS = ("morning", "afternoon", "evening")
_WORD = re.compile(r"[a-zà-ÿ]{5,}")
# Words too common to say anything about a need or a skill.
STOPWORDS = frozenset(
    {
        "iemand",
        "graag",
        "willen",
        "kunnen",
        "hebben",
        "worden",
        "zijn",
        "veel",
        "andere",
        "omdat",
        "wordt",
        "heeft",
        "tijdens",
        "samen",
        "bijvoorbeeld",
        "ervaring",
        "mensen",
    }
)


def parse_slot(text: str) -> Slot | None:
    """``"tue:evening"`` -> ``(1, "evening")``; None for anything else."""
    day, _, part = (text or "").partition(":")
    if day in WEEKDAY_NUMBER and part in PARTS:
        return (WEEKDAY_NUMBER[day], part)
    return None


def slots(stored: list[str], owner: str) -> frozenset[Slot]:
    parsed = {text: parse_slot(text) for text in stored or []}
    bad = [text for text, slot in parsed.items() if slot is None]
    if bad:
        log.warning("matching input: %s has slots that do not parse: %s", owner, bad)
    return frozenset(slot for slot in parsed.values() if slot is not None)


def languages(stored: list[str]) -> frozenset[str]:
    return frozenset(stored or []) or frozenset({DUTCH})


def words(text: str | None) -> frozenset[str]:
    return frozenset(_WORD.findall((text or "").lower())) - STOPWORDS


@dataclass(frozen=True)
class Inputs:
    waiting: list[WaitingClient]
    candidates: list[Candidate]
    accepted: list[AcceptedCircle]
    # Referral ids whose place is a fallback (no postcode area carried or known).
    approximate: frozenset


def waiting_client(referral: ProgrammeReferral) -> WaitingClient:
    location = postcodes.locate(referral.postcode_area, referral.municipality)
    return WaitingClient(
        id=referral.id,
        point=location.point,
        availability=slots(referral.availability, f"referral {referral.id}"),
        languages=languages(referral.languages),
        offence_kinds=frozenset(referral.offence_kinds or []),
        gender=None,  # the referral does not carry it
        places_to_avoid=postcodes.areas_named_in(referral.places_to_avoid),
        needs=words(referral.needs),
    )


def experience_years(volunteer: Volunteer, today: date) -> int:
    first = next(
        (
            change.changed_at.date()
            for change in volunteer.history
            if change.to_status == VolunteerStatus.ACTIVE.value
        ),
        None,
    )
    if first is None:
        return 0
    return max(0, (today - first).days // 365)


def candidate(volunteer: Volunteer, today: date) -> Candidate:
    """``capacity_left`` is the volunteer's whole capacity: every open circle they sit in
    is handed to the matching as an accepted circle, which subtracts it."""
    preference = volunteer.gender_preference
    return Candidate(
        id=volunteer.id,
        point=postcodes.locate(volunteer.postcode).point,
        availability=slots(volunteer.availability, f"volunteer {volunteer.id}"),
        languages=languages(volunteer.languages),
        capacity_left=volunteer.capacity,
        excluded_offence_kinds=frozenset(volunteer.excluded_offences or []),
        gender_preference=None if preference == GenderPreference.NONE.value else preference,
        postcode_area=postcodes.area_of(volunteer.postcode),
        experience_years=experience_years(volunteer, today),
        skills=words(volunteer.skills),
        valid_vog=services.vog_valid(volunteer, today),
        active=volunteer.status == VolunteerStatus.ACTIVE.value,
    )


def accepted_circles() -> list[AcceptedCircle]:
    found = []
    for circle in db.session.scalars(
        select(Circle)
        .where(Circle.phase != CirclePhase.CLOSED.value)
        .options(selectinload(Circle.members))
    ):
        if circle.referral_id is None:
            continue
        found.append(
            AcceptedCircle(
                client_id=circle.referral_id,
                volunteer_ids=tuple(m.volunteer_id for m in circles.inner_circle(circle)),
            )
        )
    return found


def gather(waiting: list[ProgrammeReferral], today: date) -> Inputs:
    """The matching's whole input from the rows of the programme."""
    volunteers = db.session.scalars(
        select(Volunteer)
        .where(Volunteer.status == VolunteerStatus.ACTIVE.value)
        .options(selectinload(Volunteer.history))
        .order_by(Volunteer.created_at)
    )
    return Inputs(
        waiting=[waiting_client(referral) for referral in waiting],
        candidates=[candidate(volunteer, today) for volunteer in volunteers],
        accepted=accepted_circles(),
        approximate=frozenset(
            referral.id
            for referral in waiting
            if postcodes.area_of(referral.postcode_area) not in postcodes.AREAS
        ),
    )
