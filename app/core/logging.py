"""The portal's log lines: one JSON object per line on stdout in production, text elsewhere.

Python's last-resort handler shows WARNING and above only, so under gunicorn the
``nazorg`` INFO lines (the security log among them) were lost: the factory installs a
handler of its own on the ``nazorg`` logger (``configure``).

A JSON line holds the time, level, logger, message, the request id (if any) and the
tenant id, and a fixed list of fields given with ``extra=``: ids, codes and results
only. Fields that may hold personal data (account names, addresses, free text such as
a ``detail``) are left out, and so is an exception's message (a database error quotes
the values it refused): a traceback is logged as its type and frames.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import uuid
from datetime import UTC, datetime

from flask import g, has_app_context, has_request_context, request

from app.core.tenancy import current_tenant_id
from app.extensions import db

PORTAL_LOGGER = "nazorg"
FORMATS = ("json", "text", "")
# ``extra=`` fields a JSON line may carry: identifiers and codes, never personal data.
SAFE_FIELDS = (
    "event",
    "result",
    "purpose",
    "case",
    "from_tenant",
    "to_tenant",
    "user",
    "object",
    "outbox",
    "table",
    "model",
    "session_tenant",
)
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s tenant=%(tenant_id)s] %(message)s"


def request_id() -> str | None:
    """The request's correlation id: the proxy's ``X-Request-ID`` when it is plain, else new."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    return g.request_id


def bound_tenant_id() -> int | None:
    """The tenant the current database session is bound to, without opening a session."""
    if not has_app_context():
        return None
    if not db.session.registry.has():
        return None
    return current_tenant_id(db.session())


class PortalContext(logging.Filter):
    """Adds ``request_id`` and ``tenant_id`` to every record of the portal."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = request_id()
            tenant = getattr(record, "tenant", None)
            record.tenant_id = tenant if tenant is not None else bound_tenant_id()
        except Exception:  # noqa: BLE001 - a log line must never fail the request
            record.request_id = getattr(record, "request_id", None)
            record.tenant_id = getattr(record, "tenant_id", None)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "tenant_id": getattr(record, "tenant_id", None),
        }
        for field in SAFE_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = exception_summary(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def exception_summary(exc_info) -> dict:
    """The exception's type and frames; its message is left out (it may quote values)."""
    exc_type, _value, tb = exc_info
    frames = [
        f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(tb)
    ]
    return {"type": f"{exc_type.__module__}.{exc_type.__qualname__}", "frames": frames[-20:]}


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(log_format: str, level: str = "INFO") -> None:
    """Install (or replace) the portal's handler; ``""`` leaves output to the root logger.

    Lines still propagate, so a root handler (a test's log capture) sees them too."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {FORMATS}, not {log_format!r}")
    logger = logging.getLogger(PORTAL_LOGGER)
    logger.setLevel(level.upper())
    for handler in list(logger.handlers):
        if getattr(handler, "portal_handler", False):
            logger.removeHandler(handler)
    if not log_format:
        return
    handler = StdoutHandler()
    handler.portal_handler = True
    handler.addFilter(PortalContext())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logger.addHandler(handler)
