"""The per-municipality API token of the intake API.

A token reads ``npt_<tenant id>_<secret>``. Only the SHA-256 of the whole token
is kept (the secret has 256 bits, so a plain hash suffices). The tenant id in the
token only says where to look: the request is bound to that tenant, and the hash
must match the one stored there, compared in constant time.
"""

from __future__ import annotations

from app.cases.services import saved_tenant_settings, tenant_settings
from app.core.db import utcnow
from app.core.tokens import hash_token, new_token, token_matches

PREFIX = "npt"


def issue_token(tenant_id: int) -> str:
    """A new token for the bound tenant (replacing the old one); shown once, never stored."""
    token = f"{PREFIX}_{tenant_id}_{new_token()}"
    settings = saved_tenant_settings()
    settings.api_token_hash = hash_token(token)
    settings.api_token_hint = token[-4:]
    settings.api_token_created_at = utcnow()
    return token


def revoke_token() -> None:
    settings = saved_tenant_settings()
    settings.api_token_hash = None
    settings.api_token_hint = None
    settings.api_token_created_at = None


def tenant_of(token: str) -> int | None:
    """The tenant id the token names, or None for something that is not a token."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isdigit() or len(parts[1]) > 9:
        return None
    tenant_id = int(parts[1])
    return tenant_id if tenant_id > 0 else None


def matches(token: str) -> bool:
    """Whether ``token`` is the bound tenant's current token."""
    stored = tenant_settings().api_token_hash
    return token_matches(stored, token)
