"""Local passwords (argon2) and second factors (TOTP) for volunteers and provider workers."""

from __future__ import annotations

import time
from functools import lru_cache

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from app.core.actions import Refused

TOTP_ISSUER = "Nazorgportaal"
# zxcvbn's score runs from 0 (guessed at once) to 4; 3 means "safely unguessable: moderate
# protection from an offline slow-hash scenario" (more than 10^8 guesses), which is
# what its authors advise for a password that guards personal data.
MIN_STRENGTH = 3
# zxcvbn's time grows with the length; the form allows 200 characters, and the first
# 100 decide the score (the JavaScript original cuts there too).
STRENGTH_CHECKED_CHARACTERS = 100
# Words that make a password guessable here whatever zxcvbn's lists say.
PORTAL_WORDS = ("nazorg", "nazorgportaal", "wachtwoord", "welkom", "vrijwilliger")


class PasswordRejected(Refused, ValueError):
    """A new password (or its confirming code) is refused; ``str()`` is the Dutch reason
    (a refusal on the action path: ``app.core.actions``)."""


class CodeRejected(PasswordRejected):
    def __init__(self) -> None:
        super().__init__(_l("The code is not correct. Use the newest code from your app."))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords of public breach lists.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _strength_warnings() -> dict[str, object]:
    """zxcvbn's warnings (English, fixed texts) -> the Dutch reason shown to the person."""
    return {
        'Repeats like "aaa" are easy to guess.': _l(
            "Repeated characters such as aaa are easy to guess."
        ),
        'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
            "A repeated part such as abcabc is hardly harder to guess than abc."
        ),
        'Sequences like "abc" or "6543" are easy to guess.': _l(
            "Series such as abc or 6543 are easy to guess."
        ),
        "Straight rows of keys are easy to guess.": _l(
            "A row of keys next to each other is easy to guess."
        ),
        "Short keyboard patterns are easy to guess.": _l(
            "Short patterns on the keyboard are easy to guess."
        ),
        "Recent years are easy to guess.": _l("Recent years are easy to guess."),
        "Dates are often easy to guess.": _l("Dates are easy to guess."),
        "This is a top-10 common password.": _l("This password is too common. Choose another one."),
        "This is a top-100 common password.": _l(
            "This password is too common. Choose another one."
        ),
        "This is a very common password.": _l("This password is too common. Choose another one."),
        "This is similar to a commonly used password.": _l(
            "This password looks too much like a common password."
        ),
        "A word by itself is easy to guess.": _l("A single word is easy to guess."),
        "Names and surnames by themselves are easy to guess.": _l(
            "A name on its own is easy to guess."
        ),
        "Common names and surnames are easy to guess.": _l("Common names are easy to guess."),
    }


def strength_reason(password: str, personal: tuple[str, ...] = ()) -> object | None:
    """Why ``password`` is too easy to guess (a Dutch text), or None when it is strong enough."""
    result = zxcvbn(
        password[:STRENGTH_CHECKED_CHARACTERS],
        user_inputs=[part for part in (*personal, *PORTAL_WORDS) if part],
    )
    if result["score"] >= MIN_STRENGTH:
        return None
    warning = _strength_warnings().get(result["feedback"].get("warning") or "")
    if warning is None:
        return _l(
            "This password is too easy to guess. Use a few uncommon words together, for"
            " example a short sentence."
        )
    return _l(
        "%(warning)s Use a few uncommon words together, for example a short sentence.",
        warning=warning,
    )


def check_new_password(password: str, *, min_length: int, personal: tuple[str, ...] = ()) -> None:
    if len(password) < min_length:
        raise PasswordRejected(_l("Use at least %(n)s characters.", n=min_length))
    lowered = password.lower()
    # The list and the prefixes give a plainer reason than zxcvbn's score for the most
    # common passwords, and catch Dutch ones that zxcvbn's English lists lack.
    if lowered in common_passwords() or any(
        lowered.startswith(word) and lowered[len(word) :].isdigit()
        for word in ("welkom", "wachtwoord", "password", "nazorg")
    ):
        raise PasswordRejected(_l("This password is too common. Choose another one."))
    if any(part and part.lower() in lowered for part in personal if len(part) >= 4):
        raise PasswordRejected(_l("Do not use your name or e-mail address in your password."))
    reason = strength_reason(password, personal)
    if reason is not None:
        raise PasswordRejected(reason)


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    """argon2id with the cost of the running config (cheap in testing only)."""
    config = current_app.config
    return _hasher_for(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST_KIB"], config["ARGON2_PARALLELISM"]
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other costs than the running config's."""
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return False


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        hasher().hash(password)  # same cost whether or not the account exists
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER)


def totp_qr_svg(secret: str, account: str) -> str:
    return segno.make(totp_uri(secret, account), error="m").svg_inline(scale=4)


def verify_totp(secret: str | None, code: str, last_step: int | None) -> int | None:
    """The time step the code belongs to, or None; a step used before is refused."""
    if not secret:
        return None
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if totp.at(step * totp.interval) == code:
            if last_step is not None and step <= last_step:
                return None
            return step
    return None
