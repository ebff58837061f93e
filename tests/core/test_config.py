from __future__ import annotations

import pytest

from config import ConfigError, load_settings

GOOD_PRODUCTION = {
    "SECRET_KEY": "x" * 40,
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nazorg_app@db/nazorg",
    "REDIS_URL": "redis://redis:6379/0",
    "PORTAL_BASE_URL": "https://nazorg.example.nl",
}


@pytest.fixture(autouse=True)
def no_environment(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MIGRATION_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_production_starts_with_secret_postgres_and_redis():
    settings = load_settings("production", GOOD_PRODUCTION)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert settings["DEMO_SIGN_IN"] is False


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY"),
        ("SQLALCHEMY_DATABASE_URI", "PostgreSQL"),
        ("REDIS_URL", "REDIS_URL"),
        ("PORTAL_BASE_URL", "PORTAL_BASE_URL"),
    ],
)
def test_production_refuses_to_start_without(missing, message):
    settings = dict(GOOD_PRODUCTION, **{missing: None})
    with pytest.raises(ConfigError, match=message):
        load_settings("production", settings)


def test_production_refuses_sqlite_and_a_short_secret():
    with pytest.raises(ConfigError):
        load_settings("production", dict(GOOD_PRODUCTION, SQLALCHEMY_DATABASE_URI="sqlite://"))
    with pytest.raises(ConfigError):
        load_settings("production", dict(GOOD_PRODUCTION, SECRET_KEY="short"))


def test_production_refuses_the_demo_sign_in():
    with pytest.raises(ConfigError, match="demo"):
        load_settings("production", dict(GOOD_PRODUCTION, DEMO_SIGN_IN=True))


def test_environment_overrides_class_defaults(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://elsewhere/db")
    assert load_settings("development")["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://elsewhere/db"
    )


def test_job_and_mail_settings_come_from_the_environment_with_their_types(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USE_STARTTLS", "true")
    monkeypatch.setenv("JOB_RETRY_INTERVALS", "5, 60")
    settings = load_settings("development")
    assert settings["MAIL_PORT"] == 2525 and settings["MAIL_USE_STARTTLS"] is True
    assert settings["JOB_RETRY_INTERVALS"] == (5, 60)
    assert settings["MAIL_BACKEND"] == "folder"
    assert load_settings("testing")["MAIL_BACKEND"] == "memory"


def test_host_names_and_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TENANT_HOSTS", "nazorg.raalte.nl=raalte, Nazorg.Lochem.nl=lochem")
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    settings = load_settings("development")
    assert settings["TENANT_HOSTS"] == {"nazorg.raalte.nl": "raalte", "nazorg.lochem.nl": "lochem"}
    assert settings["TRUSTED_PROXIES"] == 1
    monkeypatch.setenv("TENANT_HOSTS", "nazorg.raalte.nl")
    with pytest.raises(ConfigError, match="host=slug"):
        load_settings("development")


def test_only_development_has_the_demo_sign_in():
    assert load_settings("development")["DEMO_SIGN_IN"] is True
    assert load_settings("testing")["DEMO_SIGN_IN"] is False


def test_unknown_config_name_is_refused():
    with pytest.raises(ConfigError):
        load_settings("staging")


def test_demo_sign_in_answers_404_outside_development(app):
    assert app.test_client().get("/auth/demo").status_code == 404


@pytest.mark.parametrize(("hops", "seen"), [(0, "10.0.0.9"), (1, "203.0.113.7")])
def test_forwarded_addresses_count_only_behind_the_configured_proxies(app, hops, seen):
    from app import create_app
    from app.core.permissions import public

    proxied = create_app(
        "testing",
        {
            "TRUSTED_PROXIES": hops,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        },
    )

    @proxied.get("/wie")
    @public
    def who():
        from flask import request

        return request.remote_addr or ""

    response = proxied.test_client().get(
        "/wie",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert response.get_data(as_text=True) == seen
