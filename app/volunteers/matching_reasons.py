"""The matching's explanations in words (Dutch through the catalogue).

``explain(volunteer_match)`` gives "beschikbaar op dinsdagavond, spreekt Arabisch, 4 km";
``blocker_text(unmatched)`` names the hard constraint that leaves a client without a circle.
The data comes from ``app.volunteers.matching`` (codes and parameters); only here does it
become text, so the optimiser stays free of Flask.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.volunteers.matching import Blocker, Reason, Slot, Unmatched, VolunteerMatch

SLOT_NAMES = {
    (0, "morning"): _l("Monday morning"),
    (0, "afternoon"): _l("Monday afternoon"),
    (0, "evening"): _l("Monday evening"),
    (1, "morning"): _l("Tuesday morning"),
    (1, "afternoon"): _l("Tuesday afternoon"),
    (1, "evening"): _l("Tuesday evening"),
    (2, "morning"): _l("Wednesday morning"),
    (2, "afternoon"): _l("Wednesday afternoon"),
    (2, "evening"): _l("Wednesday evening"),
    (3, "morning"): _l("Thursday morning"),
    (3, "afternoon"): _l("Thursday afternoon"),
    (3, "evening"): _l("Thursday evening"),
    (4, "morning"): _l("Friday morning"),
    (4, "afternoon"): _l("Friday afternoon"),
    (4, "evening"): _l("Friday evening"),
    (5, "morning"): _l("Saturday morning"),
    (5, "afternoon"): _l("Saturday afternoon"),
    (5, "evening"): _l("Saturday evening"),
    (6, "morning"): _l("Sunday morning"),
    (6, "afternoon"): _l("Sunday afternoon"),
    (6, "evening"): _l("Sunday evening"),
}

# Language codes (ISO 639) the region meets most; any other code is shown as it is.
LANGUAGE_NAMES = {
    "nl": _l("Dutch"),
    "en": _l("English"),
    "ar": _l("Arabic"),
    "tr": _l("Turkish"),
    "pl": _l("Polish"),
    "ro": _l("Romanian"),
    "bg": _l("Bulgarian"),
    "so": _l("Somali"),
    "ti": _l("Tigrinya"),
    "fa": _l("Persian"),
    "prs": _l("Dari"),
    "ber": _l("Tamazight"),
    "pap": _l("Papiamento"),
    "uk": _l("Ukrainian"),
    "ru": _l("Russian"),
    "de": _l("German"),
    "fr": _l("French"),
    "es": _l("Spanish"),
}

BLOCKER_TEXT = {
    Blocker.POOL: _l("the programme has fewer than %(n)s volunteers"),
    Blocker.ACTIVE: _l(
        "fewer than %(n)s volunteers are active with a valid certificate of conduct"
    ),
    Blocker.CAPACITY: _l("fewer than %(n)s volunteers have room for another circle"),
    Blocker.AVAILABILITY: _l("fewer than %(n)s volunteers are available when the client is"),
    Blocker.OFFENCE_EXCLUSION: _l(
        "fewer than %(n)s volunteers are willing to work with this kind of offence"
    ),
    Blocker.PLACES_TO_AVOID: _l("fewer than %(n)s volunteers live outside the places to avoid"),
    Blocker.LANGUAGE: _l("fewer than %(n)s volunteers share a language with the client"),
    Blocker.DISTANCE: _l("fewer than %(n)s volunteers live within %(km)s km"),
    Blocker.COMPETITION: _l(
        "the volunteers who fit are needed for the circles of other waiting clients"
    ),
}

MAX_SLOTS_SHOWN = 2


def slot_name(slot: Slot) -> str:
    return str(SLOT_NAMES[slot]).lower()


def language_name(code: str) -> str:
    name = LANGUAGE_NAMES.get(code)
    return str(name) if name is not None else code


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s", first=", ".join(items[:-1]), last=items[-1])


def render_reason(reason: Reason) -> str:
    if reason.code == "available":
        slots = list(reason.get("slots", ()))[:MAX_SLOTS_SHOWN]
        return _("available on %(slots)s", slots=_join([slot_name(s) for s in slots]))
    if reason.code == "speaks":
        names = [language_name(code) for code in reason.get("languages", ())]
        return _("speaks %(languages)s", languages=_join(names))
    if reason.code == "distance":
        return _("%(km)s km", km=round(float(reason.get("km", 0.0))))
    if reason.code == "preference":
        return _("prefers a client like this one")
    if reason.code == "skills":
        return _("experience with %(needs)s", needs=_join(list(reason.get("needs", ()))))
    if reason.code == "experienced":
        return _("%(years)s years of experience", years=reason.get("years"))
    raise ValueError(f"unknown reason {reason.code!r}")


def explain(match: VolunteerMatch) -> str:
    """The reasons for one volunteer in a proposed circle, in one line."""
    return ", ".join(render_reason(r) for r in match.reasons)


def blocker_text(unmatched: Unmatched, min_size: int = 3, max_km: float = 25.0) -> str:
    """Why a client gets no circle: the hard constraint that blocks it."""
    return str(BLOCKER_TEXT[unmatched.blocker]) % {"n": min_size, "km": round(max_km)}
