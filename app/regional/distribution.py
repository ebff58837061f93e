"""The distribution of the region's grant over its municipalities, to the cent.

Largest-remainder rounding: each municipality first gets the floor of its exact share
(total x weight / sum of weights, in integer arithmetic); the cents left over go one each
to the largest remainders. Tie rule: among equal remainders the larger weight goes first,
then the municipality key in alphabetical order. The shares are never negative, add up
exactly to the total and differ from the exact share by less than one cent.
Distributions are kept with their inputs and approver by ``app.regional.grant``."""

from __future__ import annotations


def distribute(total_cents: int, weights: dict[str, int]) -> dict[str, int]:
    """``weights``: the key per municipality (ex-detainees in the reference year, or a fixed
    share); non-negative whole numbers, not all zero."""
    if total_cents < 0:
        raise ValueError("the total cannot be negative")
    if any(weight < 0 for weight in weights.values()):
        raise ValueError("a weight cannot be negative")
    whole = sum(weights.values())
    if whole == 0:
        raise ValueError("the weights add up to zero")
    shares: dict[str, int] = {}
    remainders: list[tuple[int, int, str]] = []
    for key, weight in weights.items():
        share, remainder = divmod(total_cents * weight, whole)
        shares[key] = share
        remainders.append((remainder, weight, key))
    left = total_cents - sum(shares.values())
    # Largest remainder first; ties: larger weight, then the key alphabetically.
    for _remainder, _weight, key in sorted(remainders, key=lambda r: (-r[0], -r[1], r[2]))[:left]:
        shares[key] += 1
    return shares
