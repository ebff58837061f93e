"""The citizen number (BSN): nine digits passing the eleven-test.

Weights 9..2 for the first eight digits and -1 for the last; the weighted sum
must be divisible by 11. Passing does not prove the number was ever issued.
"""

from __future__ import annotations

import random

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def passes_eleven_test(value: str) -> bool:
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    if value == "000000000":
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value, WEIGHTS, strict=True))
    return total % 11 == 0


def generate_bsn(rng: random.Random) -> str:
    """A number that passes the eleven-test, for demo and test data only."""
    while True:
        head = [rng.randint(0, 9) for _ in range(8)]
        head[0] = rng.randint(1, 9)
        partial = sum(d * w for d, w in zip(head, WEIGHTS[:8], strict=True))
        check = partial % 11  # the last digit d satisfies partial - d ≡ 0 (mod 11)
        if check <= 9:
            return "".join(map(str, head)) + str(check)


def mask_bsn(value: str) -> str:
    return "******" + value[-3:]
