"""Where a postcode area lies: the centroids of the four-digit postcode areas of the
Deventer region, for the matching's travel distance.

A small table shipped with the code (no lookup service, no personal data): for each
four-digit area (PC4) of Deventer, Lochem, Olst-Wijhe, Raalte and Zutphen the
approximate centre of its built-up part, read off public maps to about a kilometre,
which is as exact as a travel distance between a volunteer and a client needs to be.
Only the area is used, never the address.

When an area is not in the table (a volunteer from outside the region, a typing
mistake), ``locate`` falls back, in this order, to the mean of the known areas with the
same first three digits, then to the municipality's centre when its name is known, then
to the centre of the region (Deventer); the answer says it is approximate, and the
coordinator's page shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Point = tuple[float, float]

# PC4 -> (latitude, longitude, place, municipality).
AREAS: dict[str, tuple[float, float, str, str]] = {
    # Deventer
    "7411": (52.2540, 6.1620, "Deventer", "Deventer"),
    "7412": (52.2600, 6.1530, "Deventer", "Deventer"),
    "7413": (52.2670, 6.1700, "Deventer", "Deventer"),
    "7414": (52.2660, 6.1850, "Deventer", "Deventer"),
    "7415": (52.2560, 6.1830, "Deventer", "Deventer"),
    "7416": (52.2480, 6.1780, "Deventer", "Deventer"),
    "7417": (52.2440, 6.1640, "Deventer", "Deventer"),
    "7418": (52.2360, 6.1800, "Deventer", "Deventer"),
    "7419": (52.2420, 6.1930, "Deventer", "Deventer"),
    "7420": (52.2500, 6.2030, "Deventer", "Deventer"),
    "7421": (52.2580, 6.2000, "Deventer", "Deventer"),
    "7422": (52.2520, 6.2150, "Colmschate", "Deventer"),
    "7423": (52.2440, 6.2200, "Colmschate", "Deventer"),
    "7424": (52.2380, 6.2100, "Colmschate", "Deventer"),
    "7425": (52.2600, 6.2230, "Colmschate", "Deventer"),
    "7426": (52.2510, 6.2350, "Colmschate", "Deventer"),
    "7427": (52.2450, 6.2380, "Colmschate", "Deventer"),
    "7428": (52.2350, 6.2300, "Colmschate", "Deventer"),
    "7429": (52.2600, 6.2450, "Colmschate", "Deventer"),
    "7431": (52.2910, 6.1390, "Diepenveen", "Deventer"),
    "7433": (52.2760, 6.1920, "Schalkhaar", "Deventer"),
    "7434": (52.2450, 6.2680, "Lettele", "Deventer"),
    "7437": (52.2500, 6.3300, "Bathmen", "Deventer"),
    # Lochem (and Gorssel, Eefde, Epse, Harfsen, Almen, Laren, Barchem)
    "7211": (52.1640, 6.2270, "Eefde", "Lochem"),
    "7213": (52.2010, 6.2000, "Gorssel", "Lochem"),
    "7214": (52.2200, 6.2060, "Epse", "Lochem"),
    "7215": (52.1960, 6.2450, "Joppe", "Lochem"),
    "7216": (52.2020, 6.3120, "Harfsen", "Lochem"),
    "7218": (52.1600, 6.3000, "Almen", "Lochem"),
    "7241": (52.1610, 6.4130, "Lochem", "Lochem"),
    "7242": (52.1540, 6.4210, "Lochem", "Lochem"),
    "7244": (52.1300, 6.4670, "Barchem", "Lochem"),
    "7245": (52.1950, 6.3580, "Laren", "Lochem"),
    # Zutphen (and Warnsveld)
    "7201": (52.1420, 6.1960, "Zutphen", "Zutphen"),
    "7202": (52.1480, 6.2060, "Zutphen", "Zutphen"),
    "7203": (52.1350, 6.2080, "Zutphen", "Zutphen"),
    "7204": (52.1290, 6.2000, "Zutphen", "Zutphen"),
    "7205": (52.1250, 6.2150, "Zutphen", "Zutphen"),
    "7206": (52.1300, 6.2280, "Zutphen", "Zutphen"),
    "7207": (52.1400, 6.2300, "Zutphen", "Zutphen"),
    "7231": (52.1360, 6.2430, "Warnsveld", "Zutphen"),
    "7232": (52.1320, 6.2620, "Warnsveld", "Zutphen"),
    # Olst-Wijhe
    "8121": (52.3370, 6.1100, "Olst", "Olst-Wijhe"),
    "8124": (52.3150, 6.1350, "Wesepe", "Olst-Wijhe"),
    "8131": (52.3870, 6.1330, "Wijhe", "Olst-Wijhe"),
    # Raalte (and Heino, Heeten, Broekland, Luttenberg, Mariënheem, Nieuw-Heeten)
    "8101": (52.3870, 6.2750, "Raalte", "Raalte"),
    "8102": (52.3950, 6.2650, "Raalte", "Raalte"),
    "8103": (52.3800, 6.2850, "Raalte", "Raalte"),
    "8105": (52.4070, 6.3520, "Luttenberg", "Raalte"),
    "8106": (52.3790, 6.3620, "Mariënheem", "Raalte"),
    "8107": (52.3580, 6.2300, "Broekland", "Raalte"),
    "8111": (52.3310, 6.2920, "Heeten", "Raalte"),
    "8112": (52.3430, 6.3250, "Nieuw-Heeten", "Raalte"),
    "8141": (52.4340, 6.2340, "Heino", "Raalte"),
}
# The centre of the region (Deventer's station): the last fallback.
REGION_CENTRE: Point = (52.2570, 6.1610)
_AREA = re.compile(r"\b([1-9][0-9]{3})(?:\s?[A-Za-z]{2})?\b")


@dataclass(frozen=True)
class Location:
    point: Point
    approximate: bool


def area_of(postcode: str | None) -> str | None:
    """The four digits of a Dutch postcode ("7411 AB" -> "7411"), None when there are none."""
    found = _AREA.match((postcode or "").strip())
    return found.group(1) if found else None


def _mean(points: list[Point]) -> Point:
    return (
        sum(p[0] for p in points) / len(points),
        sum(p[1] for p in points) / len(points),
    )


def municipality_point(name: str | None) -> Point | None:
    wanted = (name or "").strip().lower()
    points = [(lat, lon) for lat, lon, _p, m in AREAS.values() if m.lower() == wanted]
    return _mean(points) if points else None


def locate(postcode: str | None, municipality: str | None = None) -> Location:
    """The centroid of the postcode's area, or the fallbacks of the module docstring."""
    area = area_of(postcode)
    if area in AREAS:
        lat, lon, _place, _municipality = AREAS[area]
        return Location((lat, lon), False)
    if area is not None:
        near = [(lat, lon) for key, (lat, lon, _p, _m) in AREAS.items() if key[:3] == area[:3]]
        if near:
            return Location(_mean(near), True)
    point = municipality_point(municipality)
    if point is not None:
        return Location(point, True)
    return Location(REGION_CENTRE, True)


def areas_named_in(text: str | None) -> frozenset[str]:
    """The postcode areas a free text names: four-digit codes, and the places and
    municipalities of the table ("niet in Zutphen of 7413" -> Zutphen's areas and 7413)."""
    text = text or ""
    found = {match.group(1) for match in _AREA.finditer(text)}
    words = text.lower()
    for key, (_lat, _lon, place, municipality) in AREAS.items():
        for name in {place.lower(), municipality.lower()}:
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", words):
                found.add(key)
    return frozenset(found)
