"""Sign-in through a municipality's OpenID provider (authorization code flow + PKCE).

Authlib does the protocol plumbing: the authorization URL with ``state``, ``nonce``
and an S256 code challenge, the state store, the code exchange, discovery and the
provider's keys. The checks that decide who gets in are written out here, because
Authlib leaves them open (PITFALLS): the discovered issuer must equal the configured
one, the ``iss`` response parameter (RFC 9207) must match, and the ID token is
verified against an explicit algorithm allow-list with ``iss``, ``aud``, ``azp``,
``exp``, ``iat`` and ``nonce`` checked here. The user is keyed by (issuer, subject)
and the tenant is the one whose provider signed the token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass
from datetime import timedelta

from authlib.integrations.base_client.errors import OAuthError
from flask import current_app, session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from requests import RequestException
from sqlalchemy import delete, select

from app.auth.models import IdentityProvider, PendingSignIn, User
from app.auth.urls import issuer_problem, url_problem
from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.core.permissions import CENTRE_ONLY_ROLES, Role
from app.extensions import db, oauth
from app.tenants.api import Tenant

ALLOWED_ALGORITHMS = ("RS256", "PS256", "ES256")
CLOCK_LEEWAY_SECONDS = 60


class SignInRejected(Exception):
    """Sign-in refused; ``reason`` is a code for the log and the Dutch page."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ProviderConfig:
    tenant_id: int
    tenant_slug: str
    is_centre: bool
    issuer: str
    client_id: str
    client_secret_ref: str
    scopes: str
    roles_claim: str
    role_mapping: dict
    required_acr: str | None
    config_version: int

    @property
    def registry_name(self) -> str:
        # Authlib caches a client per name forever: a changed setting needs a new name.
        digest = hashlib.sha256(f"{self.issuer}|{self.client_id}".encode()).hexdigest()[:10]
        return f"{self.tenant_slug}-v{self.config_version}-{digest}"


def secret_variable_prefix(tenant_slug: str) -> str:
    """The environment variables a municipality's client secret may live in.

    A tenant admin names the variable; without this rule they could name ``SECRET_KEY``
    or another municipality's secret, point the issuer at their own server and receive
    it as the client secret. ``OIDC_SECRET_<MUNICIPALITY>`` or ``…_<SUFFIX>`` only.
    """
    return "OIDC_SECRET_" + tenant_slug.upper().replace("-", "_")


def secret_variable_allowed(name: str, tenant_slug: str) -> bool:
    prefix = secret_variable_prefix(tenant_slug)
    return name == prefix or name.startswith(prefix + "_")


def provider_config(tenant: Tenant) -> ProviderConfig | None:
    """The tenant's provider settings, read in that tenant's own session."""
    with tenant_app_context(tenant.id):
        row = db.session.scalars(
            select(IdentityProvider).where(IdentityProvider.enabled.is_(True))
        ).one_or_none()
        if row is None:
            return None
        return ProviderConfig(
            tenant_id=tenant.id,
            tenant_slug=tenant.slug,
            is_centre=tenant.is_centre,
            issuer=row.issuer,
            client_id=row.client_id,
            client_secret_ref=row.client_secret_ref,
            scopes=row.scopes,
            roles_claim=row.roles_claim,
            role_mapping=dict(row.role_mapping or {}),
            required_acr=row.required_acr,
            config_version=row.config_version,
        )


def _client_secret(config: ProviderConfig) -> str:
    # Checked again here: a row written before the rule, or past the form, gets nothing.
    if not secret_variable_allowed(config.client_secret_ref, config.tenant_slug):
        return ""
    return os.environ.get(config.client_secret_ref, "")


def _client(config: ProviderConfig):
    client = oauth.create_client(config.registry_name)
    if client is not None:
        return client
    scope = config.scopes if "openid" in config.scopes.split() else f"openid {config.scopes}"
    oauth.register(
        config.registry_name,
        client_id=config.client_id,
        client_secret=_client_secret(config),
        server_metadata_url=config.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": scope,
            "code_challenge_method": "S256",
            "timeout": current_app.config["OIDC_HTTP_TIMEOUT_SECONDS"],
        },
    )
    return oauth.create_client(config.registry_name)


# The discovery document's URLs the portal sends people or requests to; the first three
# are needed for the code flow.
REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
OPTIONAL_ENDPOINTS = ("userinfo_endpoint", "end_session_endpoint")


def loopback_http_allowed() -> bool:
    """Plain http to a loopback host: only where the test providers run."""
    return current_app.config.get("ENV_NAME") in ("development", "testing")


def verified_metadata(config: ProviderConfig) -> dict:
    # Checked here as well as when saved: a row written before the rule, or past the form,
    # must not make the portal fetch discovery from another host or over plain http.
    problem = issuer_problem(config.issuer, loopback_http=loopback_http_allowed())
    if problem is not None:
        raise SignInRejected("issuer_invalid", f"{problem}: {config.issuer!r}"[:200])
    client = _client(config)
    try:
        metadata = client.load_server_metadata()
    except (RequestException, ValueError) as error:
        raise SignInRejected("provider_unreachable", str(error)) from error
    if metadata.get("issuer") != config.issuer:
        raise SignInRejected("issuer_mismatch", f"discovery issuer {metadata.get('issuer')!r}")
    _check_endpoints(metadata)
    return metadata


def _check_endpoints(metadata: dict) -> None:
    """Every URL of the discovery document: https (loopback http in tests), no user info,
    no fragment. Not required to be on the issuer's host: large providers are not
    (Google's keys are on www.googleapis.com); the issuer's own document names them."""
    for name in (*REQUIRED_ENDPOINTS, *OPTIONAL_ENDPOINTS):
        url = metadata.get(name)
        if url is None and name in OPTIONAL_ENDPOINTS:
            continue
        problem = url_problem(url, loopback_http=loopback_http_allowed())
        if problem is not None:
            raise SignInRejected("provider_metadata_invalid", f"{name} {problem}: {url!r}"[:200])


def begin_sign_in(config: ProviderConfig, redirect_uri: str):
    """The redirect to the provider; state, nonce and verifier go to the state store."""
    verified_metadata(config)
    return _client(config).authorize_redirect(redirect_uri)


@dataclass(frozen=True)
class VerifiedIdentity:
    subject: str
    claims: dict
    id_token: str


def complete_sign_in(config: ProviderConfig, args: dict) -> VerifiedIdentity:
    """Check the provider's answer and the ID token; raise SignInRejected otherwise."""
    client = _client(config)
    state = args.get("state")
    if not state:
        raise SignInRejected("state_missing")
    framework = client.framework
    pending = framework.get_state_data(session, state)
    framework.clear_state_data(session, state)  # single use, whatever happens next
    db.session.commit()
    if pending is None:
        raise SignInRejected("state_invalid")
    if args.get("error"):
        raise SignInRejected("provider_error", str(args.get("error"))[:100])
    metadata = verified_metadata(config)
    returned_issuer = args.get("iss")
    if returned_issuer is not None and returned_issuer != config.issuer:
        raise SignInRejected("issuer_mismatch", f"iss parameter {returned_issuer!r}")
    if returned_issuer is None and metadata.get("authorization_response_iss_parameter_supported"):
        raise SignInRejected("issuer_mismatch", "iss parameter missing")
    if not args.get("code"):
        raise SignInRejected("code_missing")
    try:
        token = client.fetch_access_token(
            code=args["code"],
            code_verifier=pending.get("code_verifier"),
            redirect_uri=pending.get("redirect_uri"),
        )
    except (OAuthError, RequestException, ValueError) as error:
        raise SignInRejected("code_exchange_failed", str(error)[:200]) from error
    raw = token.get("id_token")
    if not raw:
        raise SignInRejected("id_token_missing")
    claims = validate_id_token(
        raw,
        key_set=_key_set_for(client, raw),
        issuer=config.issuer,
        client_id=config.client_id,
        nonce=pending.get("nonce"),
    )
    if config.required_acr and claims.get("acr") != config.required_acr:
        raise SignInRejected("second_factor_missing", f"acr {claims.get('acr')!r}")
    return VerifiedIdentity(subject=claims["sub"], claims=claims, id_token=raw)


def _key_set_for(client, raw: str) -> dict:
    """The provider's keys; fetched again once when the token names a key id the cached
    set lacks, because providers rotate their keys (Authlib caches the set for good)."""
    try:
        key_set = client.fetch_jwk_set()
        kid = _key_id(raw)
        if kid is not None and kid not in {key.get("kid") for key in key_set.get("keys", [])}:
            key_set = client.fetch_jwk_set(force=True)
    except (RequestException, ValueError) as error:
        raise SignInRejected("provider_unreachable", str(error)[:200]) from error
    return key_set


def _key_id(raw: str) -> str | None:
    """The ``kid`` of the token's header, if it can be read (validation judges the rest)."""
    try:
        header = raw.split(".", 1)[0]
        return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))).get("kid")
    except (ValueError, AttributeError):
        return None


def validate_id_token(
    raw: str,
    *,
    key_set: dict,
    issuer: str,
    client_id: str,
    nonce: str | None,
    now: int | None = None,
) -> dict:
    if not nonce:
        raise SignInRejected("nonce_missing")
    try:
        keys = KeySet.import_key_set(key_set)
        token = jwt.decode(raw, keys, algorithms=list(ALLOWED_ALGORITHMS))
        registry = JWTClaimsRegistry(
            now=now if now is not None else int(time.time()),
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            sub={"essential": True},
            aud={"essential": True, "value": client_id},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError, TypeError) as error:
        raise SignInRejected(
            "id_token_invalid", f"{type(error).__name__}: {error}"[:200]
        ) from error
    claims = token.claims
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SignInRejected("id_token_invalid", "azp does not name this client")
    return claims


def mapped_role(config: ProviderConfig, claims: dict) -> Role | None:
    """The portal role the provider's group/role claim maps to, or None."""
    values = claims.get(config.roles_claim) or []
    if isinstance(values, str):
        values = [values]
    # Most powerful mapping first is not wanted: a person with several groups gets the
    # first one in the mapping's own order, which the tenant admin controls.
    for claim_value, role_name in config.role_mapping.items():
        if claim_value in values:
            try:
                role = Role(role_name)
            except ValueError:
                continue
            if role in CENTRE_ONLY_ROLES and not config.is_centre:
                continue
            return role
    return None


def provision_user(config: ProviderConfig, identity: VerifiedIdentity) -> User:
    """Find or create the user (by issuer and subject) in the provider's tenant.

    Runs in the request's session, which the caller bound to ``config.tenant_id``.
    The role follows the provider's claims at every sign-in.
    """
    role = mapped_role(config, identity.claims)
    if role is None:
        raise SignInRejected("no_role", f"claim {config.roles_claim!r} has no mapped value")
    user = db.session.scalars(
        select(User).where(User.issuer == config.issuer, User.subject == identity.subject)
    ).one_or_none()
    name = identity.claims.get("name") or identity.claims.get("email") or identity.subject
    if user is None:
        user = User(
            issuer=config.issuer,
            subject=identity.subject,
            role=role.value,
            display_name=str(name)[:200],
            email=identity.claims.get("email"),
        )
        db.session.add(user)
        db.session.flush()
    elif not user.active:
        raise SignInRejected("deactivated")
    else:
        user.role = role.value
        user.display_name = str(name)[:200]
    return user


class PendingSignInStore:
    """Authlib's cache interface on the ``pending_sign_ins`` table."""

    def get(self, key: str) -> str | None:
        row = db.session.get(PendingSignIn, key)
        if row is None:
            return None
        return row.value if row.expires_at > utcnow() else None

    def set(self, key: str, value: str, expires_in: int) -> None:
        db.session.merge(
            PendingSignIn(key=key, value=value, expires_at=utcnow() + timedelta(seconds=expires_in))
        )
        db.session.flush()

    def delete(self, key: str) -> None:
        db.session.execute(delete(PendingSignIn).where(PendingSignIn.key == key))
        db.session.execute(delete(PendingSignIn).where(PendingSignIn.expires_at < utcnow()))


def logout_url(config: ProviderConfig, id_token: str | None, return_to: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), where it has one."""
    try:
        metadata = verified_metadata(config)
    except SignInRejected:
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    from urllib.parse import urlencode

    params = {"client_id": config.client_id, "post_logout_redirect_uri": return_to}
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(params)}"
