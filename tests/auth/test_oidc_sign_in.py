"""Sign-in through the municipality's OpenID provider: what gets in and what is refused."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlparse

import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from app.auth.models import IdentityProvider, SecurityEvent, User, UserSession
from app.extensions import db
from tests.auth.mock_provider import MockProvider, start


@pytest.fixture(scope="session")
def mock_idp():
    provider = MockProvider()
    server, thread = start(provider)
    yield provider
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def idp(mock_idp, tenants, in_tenant, monkeypatch):
    """Deventer signs in through the mock provider."""
    mock_idp.reset()
    for slug in ("DEVENTER", "ZUTPHEN"):
        monkeypatch.setenv(f"OIDC_SECRET_{slug}_MOCK", mock_idp.client_secret)

    def configure(tenant="deventer", version=1, **overrides):
        with in_tenant(tenants[tenant]):
            settings = dict(
                issuer=mock_idp.issuer,
                client_id=mock_idp.client_id,
                client_secret_ref=f"OIDC_SECRET_{tenant.upper()}_MOCK",
                scopes="openid profile",
                roles_claim="nazorg_roles",
                role_mapping={
                    "casemanager": "case_worker",
                    "beheer": "tenant_admin",
                    "regio": "regional_coordinator",
                },
                config_version=version,
            )
            settings.update(overrides)
            db.session.add(IdentityProvider(**settings))
            db.session.commit()
        return mock_idp

    return configure


def begin(client, slug="deventer") -> dict:
    response = client.get(f"/auth/{slug}/login")
    assert response.status_code == 302, response.data
    query = parse_qs(urlparse(response.headers["Location"]).query)
    return {key: values[0] for key, values in query.items()}


def finish(client, params: dict, slug="deventer", **extra):
    query = {"code": "code-123", "state": params["state"], **extra}
    query = {k: v for k, v in query.items() if v is not None}
    return client.get(f"/auth/{slug}/callback", query_string=query)


def sessions_and_users(in_tenant, tenants, slug="deventer") -> tuple[int, int]:
    with in_tenant(tenants[slug]):
        return (
            db.session.scalar(select(func.count()).select_from(UserSession)),
            db.session.scalar(select(func.count()).select_from(User)),
        )


def assert_refused(response, in_tenant, tenants, reason: str, status: int = 401):
    assert response.status_code == status
    assert f'data-reason="{reason}"' in response.get_data(as_text=True)
    assert sessions_and_users(in_tenant, tenants) == (0, 0)
    with in_tenant(tenants["deventer"]):
        events = db.session.scalars(
            select(SecurityEvent.result).where(SecurityEvent.event == "sign_in_failed")
        ).all()
    assert reason in events


def test_a_valid_sign_in_creates_the_user_with_the_mapped_role(app, idp, in_tenant, tenants):
    provider = idp()
    client = app.test_client()
    params = begin(client)
    assert params["code_challenge_method"] == "S256"
    assert "openid" in params["scope"].split()
    provider.id_token_for = lambda form: provider.sign(provider.claims(params["nonce"]))
    response = finish(client, params)
    assert response.status_code == 302 and response.headers["Location"].endswith("/start")
    verifier = provider.token_requests[0]["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert challenge.rstrip(b"=").decode() == params["code_challenge"]
    with in_tenant(tenants["deventer"]):
        user = db.session.scalars(select(User)).one()
        assert (user.issuer, user.subject, user.role) == (
            provider.issuer,
            "medewerker-1",
            "case_worker",
        )
    assert client.get("/cases/").status_code == 200
    assert sessions_and_users(in_tenant, tenants) == (1, 1)


def test_users_are_keyed_by_issuer_and_subject_not_email(app, idp, in_tenant, tenants):
    provider = idp()
    for name in ("Eerste Naam", "Tweede Naam"):
        client = app.test_client()
        params = begin(client)
        provider.id_token_for = lambda form, p=params, n=name: provider.sign(
            provider.claims(p["nonce"], name=n, email=f"{n[:5]}@example.invalid")
        )
        assert finish(client, params).status_code == 302
    with in_tenant(tenants["deventer"]):
        users = db.session.scalars(select(User)).all()
    assert [u.display_name for u in users] == ["Tweede Naam"]


def test_missing_state_is_refused(app, idp, in_tenant, tenants):
    idp()
    client = app.test_client()
    begin(client)
    response = client.get("/auth/deventer/callback", query_string={"code": "x"})
    assert_refused(response, in_tenant, tenants, "state_missing")


def test_altered_state_is_refused(app, idp, in_tenant, tenants):
    idp()
    client = app.test_client()
    params = begin(client)
    response = finish(client, {"state": params["state"] + "x"})
    assert_refused(response, in_tenant, tenants, "state_invalid")


def test_replayed_state_is_refused_even_with_the_old_cookie(app, idp, in_tenant, tenants):
    provider = idp()
    client = app.test_client()
    params = begin(client)
    cookie_before = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    provider.id_token_for = lambda form: provider.sign(provider.claims(params["nonce"]))
    assert finish(client, params).status_code == 302
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie_before)
    response = finish(replay, params)
    assert response.status_code == 401
    assert 'data-reason="state_invalid"' in response.get_data(as_text=True)
    assert sessions_and_users(in_tenant, tenants) == (1, 1)


@pytest.mark.parametrize(
    ("case", "make_token"),
    [
        ("wrong nonce", lambda p, n: p.sign(p.claims("another-nonce"))),
        ("wrong issuer", lambda p, n: p.sign(p.claims(n, iss="https://elders.example"))),
        ("wrong audience", lambda p, n: p.sign(p.claims(n, aud="someone-else"))),
        (
            "expired",
            lambda p, n: p.sign(
                p.claims(n, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200)
            ),
        ),
        ("issued in the future", lambda p, n: p.sign(p.claims(n, iat=int(time.time()) + 3600))),
        ("alg none", lambda p, n: p.unsigned(p.claims(n))),
        (
            "bad signature",
            lambda p, n: p.sign(
                p.claims(n), key=RSAKey.generate_key(2048, parameters={"kid": "k1"})
            ),
        ),
        ("HS256 with the public key", lambda p, n: _hs256_confusion(p, n)),
        ("no subject", lambda p, n: p.sign(p.claims(n, sub=None))),
        (
            "several audiences without azp",
            lambda p, n: p.sign(p.claims(n, aud=[p.client_id, "other"])),
        ),
    ],
)
def test_bad_id_tokens_are_refused(app, idp, in_tenant, tenants, case, make_token):
    provider = idp()
    client = app.test_client()
    params = begin(client)
    provider.id_token_for = lambda form: make_token(provider, params["nonce"])
    assert_refused(finish(client, params), in_tenant, tenants, "id_token_invalid")


def _hs256_confusion(provider: MockProvider, nonce: str) -> str:
    import hmac
    import json

    from tests.auth.mock_provider import b64url

    header = b64url(json.dumps({"alg": "HS256", "kid": "k1"}).encode())
    payload = b64url(json.dumps(provider.claims(nonce)).encode())
    secret = json.dumps(provider.key.as_dict(private=False)).encode()
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def test_discovery_issuer_that_differs_from_the_configured_one_is_refused(
    app, idp, in_tenant, tenants
):
    provider = idp(version=7)
    provider.advertised_issuer = "https://impostor.example"
    response = app.test_client().get("/auth/deventer/login")
    assert_refused(response, in_tenant, tenants, "issuer_mismatch")


def test_iss_response_parameter_must_match(app, idp, in_tenant, tenants):
    provider = idp()
    client = app.test_client()
    params = begin(client)
    provider.id_token_for = lambda form: provider.sign(provider.claims(params["nonce"]))
    response = finish(client, params, iss="https://elders.example")
    assert_refused(response, in_tenant, tenants, "issuer_mismatch")


def test_a_user_without_a_mapped_role_gets_a_clear_page_and_no_account(
    app, idp, in_tenant, tenants
):
    provider = idp()
    client = app.test_client()
    params = begin(client)
    provider.id_token_for = lambda form: provider.sign(
        provider.claims(params["nonce"], nazorg_roles=["iets-anders"])
    )
    response = finish(client, params)
    assert_refused(response, in_tenant, tenants, "no_role", status=403)
    body = response.get_data(as_text=True)
    assert "geen toegang" in body and "functioneel beheerder" in body and "Deventer" in body


def test_regional_role_is_not_mapped_outside_the_centre_municipality(app, idp, in_tenant, tenants):
    provider = idp(tenant="zutphen")
    client = app.test_client()
    params = begin(client, slug="zutphen")
    provider.id_token_for = lambda form: provider.sign(
        provider.claims(params["nonce"], nazorg_roles=["regio"])
    )
    response = finish(client, params, slug="zutphen")
    assert response.status_code == 403
    assert sessions_and_users(in_tenant, tenants, "zutphen") == (0, 0)


def test_a_required_second_factor_must_be_in_acr(app, idp, in_tenant, tenants):
    provider = idp(required_acr="urn:mfa")
    client = app.test_client()
    params = begin(client)
    provider.id_token_for = lambda form: provider.sign(
        provider.claims(params["nonce"], acr="urn:password")
    )
    assert_refused(finish(client, params), in_tenant, tenants, "second_factor_missing")


def test_zutphens_token_cannot_sign_in_to_deventer(app, idp, in_tenant, tenants):
    """Deventer's provider hands back a token that Zutphen's provider signed for Zutphen."""
    provider = idp()
    zutphen_key = RSAKey.generate_key(2048, parameters={"kid": "zutphen"})
    client = app.test_client()
    params = begin(client)
    provider.id_token_for = lambda form: provider.sign(
        provider.claims(params["nonce"], iss="https://idp.zutphen.example", aud="portal-zutphen"),
        key=zutphen_key,
    )
    assert_refused(finish(client, params), in_tenant, tenants, "id_token_invalid")


def test_the_role_follows_the_provider_at_each_sign_in(app, idp, in_tenant, tenants):
    provider = idp()
    for roles, expected in ((["casemanager"], "case_worker"), (["beheer"], "tenant_admin")):
        client = app.test_client()
        params = begin(client)
        provider.id_token_for = lambda form, p=params, r=roles: provider.sign(
            provider.claims(p["nonce"], nazorg_roles=r)
        )
        assert finish(client, params).status_code == 302
        with in_tenant(tenants["deventer"]):
            assert db.session.scalars(select(User.role)).one() == expected
    with in_tenant(tenants["deventer"]):
        results = db.session.scalars(
            select(SecurityEvent.result).where(SecurityEvent.event == "role_changed")
        ).all()
    assert results == ["case_worker->tenant_admin"]


def test_unknown_municipality_and_unconfigured_provider_are_404(app, tenants):
    client = app.test_client()
    assert client.get("/auth/atlantis/login").status_code == 404
    assert client.get("/auth/lochem/login").status_code == 404


def test_a_rotated_provider_key_is_fetched_again(app, idp, in_tenant, tenants, monkeypatch):
    provider = idp()
    for kid in ("k1", "k2"):  # the key set of the first sign-in is cached; then it rotates
        if kid == "k2":
            monkeypatch.setattr(provider, "key", RSAKey.generate_key(2048, parameters={"kid": kid}))
        client = app.test_client()
        params = begin(client)
        provider.id_token_for = lambda form, p=params: provider.sign(provider.claims(p["nonce"]))
        assert finish(client, params).status_code == 302, kid
    assert sessions_and_users(in_tenant, tenants) == (2, 1)


def test_a_deactivated_user_is_told_so_and_gets_no_session(app, idp, in_tenant, tenants):
    provider = idp()
    with in_tenant(tenants["deventer"]):
        db.session.add(
            User(
                issuer=provider.issuer,
                subject="medewerker-1",
                display_name="Oud Medewerker",
                role="case_worker",
                active=False,
            )
        )
        db.session.commit()
    client = app.test_client()
    params = begin(client)
    provider.id_token_for = lambda form: provider.sign(provider.claims(params["nonce"]))
    response = finish(client, params)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert 'data-reason="deactivated"' in body and "is gedeactiveerd" in body
    assert "geen rol" not in body
    assert sessions_and_users(in_tenant, tenants) == (0, 1)


@pytest.mark.parametrize(
    "issuer", ["http://127.0.0.1@127.0.0.2:5109", "http://localhost@evil.example/"]
)
def test_a_stored_issuer_that_fails_the_parse_is_never_fetched(
    app, idp, in_tenant, tenants, issuer
):
    # A row written before the rule (or past the form): refused before any request.
    idp(issuer=issuer, version=11)
    response = app.test_client().get("/auth/deventer/login")
    assert_refused(response, in_tenant, tenants, "issuer_invalid")


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("authorization_endpoint", "http://login.example.nl/authorize"),
        ("token_endpoint", "https://user@evil.example/token"),
        ("jwks_uri", "http://127.0.0.1@evil.example/jwks"),
        ("jwks_uri", None),
        ("end_session_endpoint", "https://login.example.nl/logout#x"),
    ],
)
def test_discovery_endpoints_must_be_safe_urls(app, idp, in_tenant, tenants, name, url):
    provider = idp(version=20 + len(name) + len(url or ""))
    provider.metadata_overrides = {name: url}
    response = app.test_client().get("/auth/deventer/login")
    assert_refused(response, in_tenant, tenants, "provider_metadata_invalid")


def test_loopback_http_providers_are_refused_in_production(
    app, idp, in_tenant, tenants, monkeypatch
):
    idp(version=40)
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    response = app.test_client().get("/auth/deventer/login")
    assert_refused(response, in_tenant, tenants, "issuer_invalid")


def test_a_forged_host_header_does_not_change_the_redirect_uri(app, idp, in_tenant, tenants):
    provider = idp()
    expected = app.config["PORTAL_BASE_URL"].rstrip("/") + "/auth/deventer/callback"
    client = app.test_client()
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    response = client.get("/auth/deventer/login", headers=forged)
    assert response.status_code == 302
    params = {k: v[0] for k, v in parse_qs(urlparse(response.headers["Location"]).query).items()}
    assert params["redirect_uri"] == expected
    provider.id_token_for = lambda form: provider.sign(provider.claims(params["nonce"]))
    query = {"code": "code-123", "state": params["state"]}
    callback = client.get("/auth/deventer/callback", query_string=query, headers=forged)
    assert callback.status_code == 302
    # The code is redeemed with the same configured URI, as the provider requires.
    assert provider.token_requests[0]["redirect_uri"] == expected
