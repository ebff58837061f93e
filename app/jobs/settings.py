"""Settings of the background work and the mail, with defaults per environment.

They live here rather than in ``config/`` so that this package stays one folder;
the environment overrides them exactly like the settings in ``config/``.
"""

from __future__ import annotations

import os

from flask import Flask

DEFAULTS: dict[str, object] = {
    # Seconds to wait before the second and the third try: three tries in all.
    "JOB_RETRY_INTERVALS": (30, 300),
    # Seconds a job may run before rq stops it (and retries or fails it).
    "JOB_TIMEOUT_SECONDS": 600,
    # Outbox rows younger than this are left to the request that wrote them.
    "OUTBOX_SWEEP_GRACE_SECONDS": 30,
    # Handed-over, finished outbox rows are deleted after this many days.
    "OUTBOX_KEEP_DAYS": 30,
    # "smtp", "folder" (each message a .eml file) or "memory" (a list, for tests).
    "MAIL_BACKEND": "smtp",
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USE_STARTTLS": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "Nazorgportaal <nazorg@localhost>",
    "MAIL_FOLDER": os.path.join("instance", "mail"),
    "MAIL_TIMEOUT_SECONDS": 10,
    # Links in mail point here (jobs have no request to take the host from).
    "PORTAL_BASE_URL": "http://127.0.0.1:5000",
}

ENVIRONMENT_DEFAULTS: dict[str, dict[str, object]] = {
    "development": {"MAIL_BACKEND": "folder"},
    "testing": {"MAIL_BACKEND": "memory", "OUTBOX_SWEEP_GRACE_SECONDS": 0},
}

INTEGERS = {
    "MAIL_PORT",
    "MAIL_TIMEOUT_SECONDS",
    "OUTBOX_SWEEP_GRACE_SECONDS",
    "OUTBOX_KEEP_DAYS",
    "JOB_TIMEOUT_SECONDS",
}
BOOLEANS = {"MAIL_USE_STARTTLS"}


def parse_intervals(value: object) -> tuple[int, ...]:
    if isinstance(value, str):
        return tuple(int(part) for part in value.split(",") if part.strip())
    return tuple(int(part) for part in value)  # type: ignore[union-attr]


def configure(app: Flask) -> None:
    """Fill in what the config class did not set: defaults, then the environment."""
    defaults = dict(DEFAULTS, **ENVIRONMENT_DEFAULTS.get(app.config.get("ENV_NAME", ""), {}))
    for key, default in defaults.items():
        if os.environ.get(key):
            raw = os.environ[key]
            if key in INTEGERS:
                value: object = int(raw)
            elif key in BOOLEANS:
                value = raw.lower() in {"1", "true", "yes", "on"}
            else:
                value = raw
            app.config.setdefault(key, value)
        else:
            app.config.setdefault(key, default)
    app.config["JOB_RETRY_INTERVALS"] = parse_intervals(app.config["JOB_RETRY_INTERVALS"])
    if not os.path.isabs(app.config["MAIL_FOLDER"]):
        root = os.path.normpath(os.path.join(app.root_path, ".."))
        app.config["MAIL_FOLDER"] = os.path.join(root, app.config["MAIL_FOLDER"])
