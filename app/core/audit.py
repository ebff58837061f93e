"""Refused access, reported once: logged here and handed to whoever listens (the
security log of app.auth), so core and feature code need not know about that table."""

from __future__ import annotations

import logging

from blinker import Namespace

security_log = logging.getLogger("nazorg.security")
_signals = Namespace()
access_refused = _signals.signal("access-refused")


def report_refused_access(user, what: str, detail: str) -> None:
    security_log.warning(
        "access refused",
        extra={
            "user": str(getattr(user, "id", None)),
            "tenant": getattr(user, "tenant_id", None),
            "object": what,
            "detail": detail,
            "result": "refused",
        },
    )
    access_refused.send(user, what=what, detail=detail)
