"""Local passwords (argon2) and second factors (TOTP) for volunteers and provider workers."""

from __future__ import annotations

import time
from functools import lru_cache

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

_hasher = PasswordHasher()
TOTP_ISSUER = "Nazorgportaal"


class PasswordRejected(ValueError):
    """A new password (or its confirming code) is refused; ``str()`` is the Dutch reason."""


class CodeRejected(PasswordRejected):
    def __init__(self) -> None:
        super().__init__(_l("The code is not correct. Use the newest code from your app."))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords of public breach lists.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_new_password(password: str, *, min_length: int, personal: tuple[str, ...] = ()) -> None:
    if len(password) < min_length:
        raise PasswordRejected(_l("Use at least %(n)s characters.", n=min_length))
    lowered = password.lower()
    if lowered in common_passwords() or any(
        lowered.startswith(word) and lowered[len(word) :].isdigit()
        for word in ("welkom", "wachtwoord", "password", "nazorg")
    ):
        raise PasswordRejected(_l("This password is too common. Choose another one."))
    if any(part and part.lower() in lowered for part in personal if len(part) >= 4):
        raise PasswordRejected(_l("Do not use your name or e-mail address in your password."))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        _hasher.hash(password)  # same cost whether or not the account exists
        return False
    try:
        return _hasher.verify(stored_hash, password)
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
