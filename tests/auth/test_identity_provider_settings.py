"""The tenant admin sets the municipality's OpenID provider; the secret is never stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import IdentityProvider, SecurityEvent
from app.core.permissions import Role
from app.extensions import db
from tests.csrf import csrf_token
from tests.factories import UserFactory

FORM = {
    "issuer": "https://login.zutphen.example",
    "client_id": "nazorgportaal",
    "client_secret_ref": "OIDC_SECRET_ZUTPHEN",
    "scopes": "openid profile email",
    "roles_claim": "groups",
    "role_mapping": "nazorg-casemanagers = case_worker\nnazorg-beheer = tenant_admin",
    "enabled": "y",
}


def admin_client(tenants, in_tenant, sign_in, slug="zutphen"):
    with in_tenant(tenants[slug]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    client = sign_in(admin)
    return client, csrf_token(client, "/beheer/inlogdienst")


def test_the_admin_saves_the_provider_and_each_save_is_a_new_version(tenants, in_tenant, sign_in):
    client, token = admin_client(tenants, in_tenant, sign_in)
    for _ in range(2):
        response = client.post("/beheer/inlogdienst", data={"csrf_token": token, **FORM})
        assert response.status_code == 302
    with in_tenant(tenants["zutphen"]):
        row = db.session.scalars(select(IdentityProvider)).one()
        events = db.session.scalars(select(SecurityEvent.result)).all()
    assert row.role_mapping == {
        "nazorg-casemanagers": "case_worker",
        "nazorg-beheer": "tenant_admin",
    }
    assert row.config_version == 2
    assert "identity_provider" in events
    page = client.get("/beheer/inlogdienst").get_data(as_text=True)
    assert "OIDC_SECRET_ZUTPHEN" in page  # the name of the variable, never a secret


def test_bad_settings_get_a_dutch_message_and_change_nothing(tenants, in_tenant, sign_in):
    client, token = admin_client(tenants, in_tenant, sign_in)
    cases = [
        ({"role_mapping": "zonder-gelijkteken"}, "schrijf het als waarde = rol"),
        ({"role_mapping": "groep = baas"}, "baas is geen rol"),
        ({"role_mapping": "regio = regional_coordinator"}, "alleen de centrumgemeente"),
        ({"issuer": "http://login.zutphen.example"}, "https-adres"),
        ({"client_secret_ref": "geheim wachtwoord"}, "hoofdletters"),
        ({"client_secret_ref": "SECRET_KEY"}, "begint met OIDC_SECRET_ZUTPHEN"),
        ({"client_secret_ref": "OIDC_SECRET_DEVENTER"}, "begint met OIDC_SECRET_ZUTPHEN"),
        ({"client_secret_ref": "OIDC_SECRET_ZUTPHENX"}, "begint met OIDC_SECRET_ZUTPHEN"),
    ]
    for change, message in cases:
        response = client.post("/beheer/inlogdienst", data={"csrf_token": token, **FORM, **change})
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    with in_tenant(tenants["zutphen"]):
        assert db.session.scalars(select(IdentityProvider)).all() == []


def test_a_municipality_host_name_goes_straight_to_its_provider(app, monkeypatch):
    monkeypatch.setitem(app.config, "TENANT_HOSTS", {"nazorg.raalte.example": "raalte"})
    response = app.test_client().get("/auth/sign-in", headers={"Host": "nazorg.raalte.example"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/raalte/login")
    other = app.test_client().get("/auth/sign-in")
    assert other.status_code == 200 and "Raalte" in other.get_data(as_text=True)


def test_typed_input_in_a_refusal_message_reaches_the_page_escaped(tenants, in_tenant, sign_in):
    client, token = admin_client(tenants, in_tenant, sign_in)
    response = client.post(
        "/beheer/inlogdienst",
        data={"csrf_token": token, **FORM, "role_mapping": "groep = <script>alert(1)</script>"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; is geen rol" in body


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("http://127.0.0.1@127.0.0.2:5109", "geen naam of wachtwoord voor een @"),
        ("http://localhost@evil.example/", "geen naam of wachtwoord voor een @"),
        ("https://login.zutphen.example@evil.example", "geen naam of wachtwoord voor een @"),
        ("http://localhost.evil.example/", "https-adres"),
        ("https://login.zutphen.example/#start", "geen deel met ? of #"),
        ("https://login.zutphen.example/?x=1", "geen deel met ? of #"),
        ("https://login.zutphen.example:99999/", "geen geldig adres"),
        ("https://", "moet een host noemen"),
    ],
)
def test_an_unsafe_issuer_is_refused_by_parsing(tenants, in_tenant, sign_in, issuer, message):
    client, token = admin_client(tenants, in_tenant, sign_in)
    response = client.post(
        "/beheer/inlogdienst", data={"csrf_token": token, **FORM, "issuer": issuer}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with in_tenant(tenants["zutphen"]):
        assert db.session.scalars(select(IdentityProvider)).all() == []


def test_plain_http_to_loopback_is_refused_in_production(
    app, tenants, in_tenant, sign_in, monkeypatch
):
    client, token = admin_client(tenants, in_tenant, sign_in)
    data = {"csrf_token": token, **FORM, "issuer": "http://127.0.0.1:5109"}
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    assert client.post("/beheer/inlogdienst", data=data).status_code == 422
    monkeypatch.setitem(app.config, "ENV_NAME", "testing")
    assert client.post("/beheer/inlogdienst", data=data).status_code == 302
