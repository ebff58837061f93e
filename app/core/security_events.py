"""Security events raised outside the account code (the regional read, a transfer).

One call logs the line on ``nazorg.security`` and hands the event to whoever listens:
app.auth writes it to ``security_events``, the log its tenant's administrator reads.
Core and feature code therefore need not know that table.
"""

from __future__ import annotations

import logging
import uuid

from blinker import Namespace

security_log = logging.getLogger("nazorg.security")
_signals = Namespace()
security_event = _signals.signal("security-event")


def report_security_event(
    message: str,
    *,
    event: str,
    result: str,
    tenant_id: int | None,
    user_id: uuid.UUID | str | None = None,
    detail: str | None = None,
    **fields,
) -> None:
    """Log ``message`` with the event's ids and codes, then send it to the listeners.

    ``user_id`` defaults (in the listener) to the signed-in user; ``detail`` is stored
    with the event, never logged; ``fields`` are logged only (ids and codes)."""
    security_log.info(
        message,
        extra={
            "event": event,
            "result": result,
            "tenant": tenant_id,
            "user": str(user_id) if user_id else None,
            **fields,
        },
    )
    security_event.send(event, result=result, tenant_id=tenant_id, user_id=user_id, detail=detail)
