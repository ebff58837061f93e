"""Settings classes, read from the environment (12-factor).

``load_config(name)`` returns the class for ``development``, ``testing`` or
``production``; every value can be overridden by an environment variable of
the same name, which is read last.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The settings are unsafe or incomplete for the chosen environment."""


class BaseConfig:
    ENV_NAME = "base"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    # Owner role for migrations; the portal itself connects as a role that owns nothing.
    MIGRATION_DATABASE_URI: str | None = None
    DB_APP_ROLE = "nazorg_app"
    REDIS_URL: str | None = None
    REDIS_TIMEOUT_SECONDS = 0.5
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # True when DATABASE_URL points at a pooler in transaction mode (PgBouncer): a server
    # connection then serves another client after every transaction, so psycopg must not
    # keep prepared statements on it ("prepared statement _pg3_1 already exists"). The
    # tenant setting is transaction-local (set_config(..., true)) and holds either way.
    DATABASE_TRANSACTION_POOLER = False
    DEMO_SIGN_IN = False
    # The overviews' figures are kept this many seconds per worker (app.core.memo); the
    # page says when they were computed. 0 reads them on every request.
    OVERVIEW_CACHE_SECONDS = 300
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")
    # A case page left open longer than an hour must keep working (PITFALLS: CSRF).
    WTF_CSRF_TIME_LIMIT = None
    # Any request body larger than this is refused (413) before it is read, so that a
    # huge JSON message cannot exhaust memory; the intake upload allows 5 MB of file.
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-nazorg"
    # Reverse proxies in front of the portal whose X-Forwarded-* headers are trusted.
    TRUSTED_PROXIES = 0
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    # Host name -> tenant slug, for municipalities that reach the portal on their own host.
    TENANT_HOSTS: dict[str, str] = {}
    OIDC_HTTP_TIMEOUT_SECONDS = 5
    INVITATION_HOURS = 72
    PASSWORD_RESET_MINUTES = 60
    PASSWORD_MIN_LENGTH = 12
    # The volunteer programme: a certificate of conduct (VOG) counts as valid this many
    # months after its issue date; its renewal reminder goes out this many days before.
    VOG_VALID_MONTHS = 36
    VOG_REMINDER_DAYS = 60
    # Applications through the public volunteer form per address per hour.
    VOLUNTEER_APPLICATIONS_PER_HOUR = 5
    # argon2id cost: RFC 9106's second recommended profile (argon2-cffi's default), 3
    # passes over 64 MiB with 4 lanes. Only the testing config lowers it.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 65536
    ARGON2_PARALLELISM = 4
    # Background work: seconds before the second and the third try (three tries in all).
    JOB_RETRY_INTERVALS: tuple[int, ...] = (30, 300)
    # Seconds a job may run before rq stops it (and retries or fails it).
    JOB_TIMEOUT_SECONDS = 600
    # Outbox rows younger than this are left to the request that wrote them (which hands
    # them over milliseconds after its commit). Short, so that rows that waited while Redis
    # was away are handed over within a minute of its return (app/jobs/worker.py).
    OUTBOX_SWEEP_GRACE_SECONDS = 15
    # Handed-over, finished outbox rows are deleted after this many days.
    OUTBOX_KEEP_DAYS = 30
    # Mail: "smtp", "folder" (each message an .eml file) or "memory" (a list, for tests).
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_STARTTLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "Nazorgportaal <nazorg@localhost>"
    MAIL_FOLDER = str(PROJECT_ROOT / "instance" / "mail")
    MAIL_TIMEOUT_SECONDS = 10
    # Links in mail point here (jobs have no request to take the host from).
    PORTAL_BASE_URL = "http://127.0.0.1:5000"
    # The ``nazorg`` loggers' lines on stdout: "json" (one object per line), "text", or
    # "" for no handler of the portal's own (the root logger's, if any, shows them).
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"

    @classmethod
    def validate(cls, settings: dict) -> None:
        """Refuse settings that are unsafe for this environment."""
        if settings.get("LOG_FORMAT") not in ("json", "text", ""):
            raise ConfigError("LOG_FORMAT must be json, text or empty")


class DevelopmentConfig(BaseConfig):
    """The one-command demo: SQLite file, jobs inline, demo sign-in page."""

    ENV_NAME = "development"
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 - demo config only
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{PROJECT_ROOT / 'instance' / 'nazorg-demo.sqlite'}"
    DEMO_SIGN_IN = True
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "nazorg"
    MAIL_BACKEND = "folder"
    # The demo shows a change in the figures at once.
    OVERVIEW_CACHE_SECONDS = 0


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105 - test config only
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "nazorg"
    MAIL_BACKEND = "memory"
    OUTBOX_SWEEP_GRACE_SECONDS = 0
    # Figures read on every request: tests change the file and look at the overview.
    OVERVIEW_CACHE_SECONDS = 0
    # The route walk and the fuzzer post the public volunteer form many times from one
    # address; tests/volunteers/ lower it to test the limit.
    VOLUNTEER_APPLICATIONS_PER_HOUR = 100_000
    # pytest captures the records; a handler would print each line a second time.
    LOG_FORMAT = ""
    # Cheap hashing so that tests creating accounts stay fast; argon2's minimum memory
    # is 8 KiB per lane. Never outside the testing config (tests/auth/test_passwords.py).
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 8
    ARGON2_PARALLELISM = 1


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    LOG_FORMAT = "json"

    @classmethod
    def validate(cls, settings: dict) -> None:
        super().validate(settings)
        if not settings.get("SECRET_KEY") or len(settings["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be set to at least 32 characters in production")
        uri = settings.get("SQLALCHEMY_DATABASE_URI") or ""
        if not uri.startswith("postgresql"):
            raise ConfigError("DATABASE_URL must point to PostgreSQL in production")
        if not settings.get("REDIS_URL"):
            raise ConfigError("REDIS_URL must be set in production")
        if settings.get("DEMO_SIGN_IN"):
            raise ConfigError("The demo sign-in may not be enabled in production")
        if not str(settings.get("PORTAL_BASE_URL", "")).startswith("https://"):
            raise ConfigError("PORTAL_BASE_URL must be the portal's https address in production")


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

# Environment variable -> setting. Read last, so the environment always wins.
ENVIRONMENT_OVERRIDES = {
    "SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "MIGRATION_DATABASE_URL": "MIGRATION_DATABASE_URI",
    "DB_APP_ROLE": "DB_APP_ROLE",
    "REDIS_URL": "REDIS_URL",
    "DATABASE_TRANSACTION_POOLER": "DATABASE_TRANSACTION_POOLER",
    "SESSION_IDLE_MINUTES": "SESSION_IDLE_MINUTES",
    "SESSION_ABSOLUTE_HOURS": "SESSION_ABSOLUTE_HOURS",
    **{
        name: name
        for name in (
            "JOB_RETRY_INTERVALS",
            "JOB_TIMEOUT_SECONDS",
            "OUTBOX_SWEEP_GRACE_SECONDS",
            "OUTBOX_KEEP_DAYS",
            "MAIL_BACKEND",
            "MAIL_SERVER",
            "MAIL_PORT",
            "MAIL_USE_STARTTLS",
            "MAIL_USERNAME",
            "MAIL_PASSWORD",
            "MAIL_SENDER",
            "MAIL_FOLDER",
            "MAIL_TIMEOUT_SECONDS",
            "PORTAL_BASE_URL",
            "TRUSTED_PROXIES",
            "TENANT_HOSTS",
            "LOG_FORMAT",
            "LOG_LEVEL",
            "VOG_VALID_MONTHS",
            "VOG_REMINDER_DAYS",
        )
    },
}
INTEGER_SETTINGS = {
    "SESSION_IDLE_MINUTES",
    "SESSION_ABSOLUTE_HOURS",
    "JOB_TIMEOUT_SECONDS",
    "OUTBOX_SWEEP_GRACE_SECONDS",
    "OUTBOX_KEEP_DAYS",
    "MAIL_PORT",
    "MAIL_TIMEOUT_SECONDS",
    "TRUSTED_PROXIES",
    "VOG_VALID_MONTHS",
    "VOG_REMINDER_DAYS",
}
# "host=slug,host=slug": the municipalities reached on a host name of their own.
MAPPING_SETTINGS = {"TENANT_HOSTS"}
BOOLEAN_SETTINGS = {"MAIL_USE_STARTTLS", "DATABASE_TRANSACTION_POOLER"}
INTEGER_LIST_SETTINGS = {"JOB_RETRY_INTERVALS"}


def _convert(key: str, raw: str):
    if key in INTEGER_SETTINGS:
        return int(raw)
    if key in BOOLEAN_SETTINGS:
        return raw.lower() in {"1", "true", "yes", "on"}
    if key in INTEGER_LIST_SETTINGS:
        return tuple(int(part) for part in raw.split(",") if part.strip())
    if key in MAPPING_SETTINGS:
        pairs = [part.split("=", 1) for part in raw.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ConfigError(f"{key} must read host=slug,host=slug")
        return {host.strip().lower(): slug.strip() for host, slug in pairs}
    return raw


def load_settings(name: str, overrides: dict | None = None) -> dict:
    """Settings for ``name`` as a plain dict: class defaults, then environment, then overrides."""
    try:
        config_class = CONFIGS[name]
    except KeyError:
        raise ConfigError(f"Unknown config {name!r}; choose one of {sorted(CONFIGS)}") from None
    settings = {key: getattr(config_class, key) for key in dir(config_class) if key.isupper()}
    for env_name, key in ENVIRONMENT_OVERRIDES.items():
        if os.environ.get(env_name):
            settings[key] = _convert(key, os.environ[env_name])
    settings.update(overrides or {})
    config_class.validate(settings)
    if settings.get("DATABASE_TRANSACTION_POOLER"):
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = without_prepared_statements(
            settings["SQLALCHEMY_ENGINE_OPTIONS"]
        )
    return settings


def without_prepared_statements(engine_options: dict) -> dict:
    """Engine options for a transaction pooler: psycopg never prepares a statement."""
    connect_args = {**engine_options.get("connect_args", {}), "prepare_threshold": None}
    return {**engine_options, "connect_args": connect_args}
