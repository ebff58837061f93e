"""Secret tokens that are handed out once and kept only as a hash.

Session cookies, account links (invitation, password reset) and the intake API token
all work the same way: a random secret of 256 bits goes to its holder, the database keeps
its SHA-256. A salted slow hash is not needed (nor wanted, it is looked up on every
request): with 256 bits of randomness there is nothing to guess.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    """A new random secret (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The hex SHA-256 under which ``token`` is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(stored_hash: str | None, token: str) -> bool:
    """Whether ``token`` hashes to ``stored_hash``, compared in constant time."""
    return bool(stored_hash) and hmac.compare_digest(stored_hash, hash_token(token))
