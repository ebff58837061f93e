"""Two records of one person become one: a tenant admin merges a client into another of
the same municipality.

Everything that hangs on the merged client (its cases, with their timelines, plans and
notes; waiting intake checks; any table a later feature hangs on the client) is made to
point at the client that stays, found by the same walk as retention and the transfer
(``audit.records.direct_references``); the access log's entries of the merged client
name the client that stays (``audit.services.repoint_client_entries``). Then the merged
client's row is removed. The merge is written in the timeline of every case of both
clients, in the access log and in the security log. The client that stays keeps its own
name, date of birth and citizen number.

Refused: one client twice, a citizen number not known here, or two open cases of the
same detention (close one first).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from app.audit.records import direct_references
from app.audit.services import repoint_client_entries
from app.audit.tracking import note_access
from app.cases import timeline
from app.cases.bsn import mask_bsn
from app.cases.models import Case, Client
from app.cases.services import find_client_by_bsn
from app.cases.timeline import EventKind
from app.core.actions import Refused
from app.core.security_events import report_security_event
from app.extensions import db

REASON_LENGTH = 500


def _client(bsn: str, field: str) -> Client:
    client = find_client_by_bsn(bsn)
    if client is None:
        raise Refused(_l("No client with this citizen number in this municipality."), field=field)
    return client


def merge_clients(actor, survivor_bsn: str, merged_bsn: str, reason: str):
    """Merge the client with ``merged_bsn`` into the one with ``survivor_bsn``; returns
    (the id that stays, the id merged). The caller reports it (``report_merge``)."""
    survivor = _client(survivor_bsn, "survivor_bsn")
    merged = _client(merged_bsn, "merged_bsn")
    if survivor.id == merged.id:
        raise Refused(_l("Choose two different clients."), field="merged_bsn")
    open_starts = {c.detention_start for c in survivor.cases if not c.is_closed}
    if any(not c.is_closed and c.detention_start in open_starts for c in merged.cases):
        raise Refused(
            _l("Both clients have an open case of the same detention: close one of them first."),
            field="merged_bsn",
        )
    survivor_id, merged_id = survivor.id, merged.id
    names = {
        "merged": f"{merged.full_name} ({mask_bsn(merged.bsn)})",
        "survivor": f"{survivor.full_name} ({mask_bsn(survivor.bsn)})",
        "reason": reason,
    }
    db.session.flush()
    for model, column in direct_references(Client):
        db.session.execute(
            update(model)
            .where(column == merged_id)
            .values({column.key: survivor_id})
            .execution_options(synchronize_session=False)
        )
    repoint_client_entries(merged_id, survivor_id)
    db.session.expire_all()
    db.session.execute(
        delete(Client).where(Client.id == merged_id).execution_options(synchronize_session=False)
    )
    for case_id in db.session.scalars(select(Case.id).where(Case.client_id == survivor_id)):
        timeline.record(case_id, EventKind.CLIENT_MERGED, actor, **names)
    note_access(
        tenant_id=actor.tenant_id,
        client_id=survivor_id,
        object_type="client_merge",
        object_id=survivor_id,
        detail=f"merged {merged_id}",
    )
    db.session.flush()
    return survivor_id, merged_id


def report_merge(actor, survivor_id, merged_id) -> None:
    """The security log's line of a merge (after the commit)."""
    report_security_event(
        "clients merged",
        event="clients_merged",
        result="success",
        tenant_id=actor.tenant_id,
        user_id=actor.id,
        detail=f"client {merged_id} merged into {survivor_id}",
    )
