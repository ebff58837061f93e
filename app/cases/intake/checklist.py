"""The check list: intake documents that wait for a case worker because their citizen
number belongs to a known client with another date of birth or name.

Such a document is never merged: it creates no case and changes nothing of the known
client. It waits here, with the document as received, until a case worker decides:

- *same person*: the document is taken in as for that client (the intake service with
  the client confirmed, ``receive_intake(..., confirmed_client_id=...)``);
- *other person*: the citizen number belongs to someone else; the document is refused
  with the case worker's reason, and a repeat of it is answered with that reason;
- *refuse*: the document is refused for another reason (written down the same way).

The same document received again while it waits is not listed twice (its message key is
unique per municipality) and is answered "waiting" again. The rows hang on the known
client (a foreign key), so the retention sweep, the access request and a transfer of the
client take them along; the regional read is not declared (off).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKeyConstraint, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from app.audit.labels import column_label
from app.audit.subject_access import text_of
from app.audit.vocabulary import Vocabulary
from app.cases.errors import CaseError
from app.cases.intake.document import IntakeDocument, parse_document
from app.cases.labels import INTAKE_SOURCE_LABELS
from app.cases.models import Client
from app.core.actions import Refused
from app.core.db import TenantScoped, UTCDateTime, enum_check, utcnow
from app.extensions import db

REASON_LENGTH = 500
# The document's fields an access request does not spell out (the sender's id, the kind of
# message and the life domains are in the JSON answer as received).
NOT_SPELLED_OUT = ("message_id", "kind", "domains")


class CheckStatus(StrEnum):
    WAITING = "waiting"
    SAME_PERSON = "same_person"
    OTHER_PERSON = "other_person"
    REFUSED = "refused"


class CheckDecision(StrEnum):
    """What a case worker may decide about a waiting document."""

    SAME_PERSON = "same_person"
    OTHER_PERSON = "other_person"
    REFUSE = "refused"


class IntakeCheck(TenantScoped, db.Model):
    """One intake document waiting for (or decided by) a case worker."""

    __tablename__ = "intake_checks"
    __table_args__ = (
        UniqueConstraint("tenant_id", "message_key"),
        ForeignKeyConstraint(["tenant_id", "client_id"], ["clients.tenant_id", "clients.id"]),
        ForeignKeyConstraint(["tenant_id", "decided_by_id"], ["users.tenant_id", "users.id"]),
        Index("ix_intake_checks_tenant_id_client_id", "tenant_id", "client_id"),
        Index("ix_intake_checks_tenant_id_decided_by_id", "tenant_id", "decided_by_id"),
        Index("ix_intake_checks_tenant_id_status", "tenant_id", "status"),
        {"info": {"label": _l("Intake documents checked by a case worker")}},
    )

    client_id: Mapped[uuid.UUID] = mapped_column(info={"technical": True})
    message_key: Mapped[str] = mapped_column(String(220), info={"technical": True})
    source: Mapped[str] = mapped_column(String(10), info={"label": _l("Received through")})
    # The document as received (the intake document's JSON form).
    document: Mapped[dict] = mapped_column(JSON, info={"label": _l("Document as received")})
    status: Mapped[str] = mapped_column(
        String(20),
        enum_check("status", CheckStatus),
        default=CheckStatus.WAITING.value,
        server_default=CheckStatus.WAITING.value,
        info={"label": _l("Decision")},
    )
    reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH), info={"label": _l("Reason")})
    received_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, info={"label": _l("Received")}
    )
    decided_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), info={"label": _l("Decided")}
    )
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(info={"technical": True})

    @property
    def is_waiting(self) -> bool:
        return self.status == CheckStatus.WAITING.value

    def received_document(self) -> IntakeDocument:
        """The document as received, read again (a facility removed from the list since
        refuses it with the reason)."""
        document, errors = parse_document(self.document)
        if errors:
            raise Refused("; ".join(f"{name}: {message}" for name, message in errors))
        return document


STATUS_LABELS = {
    CheckStatus.WAITING.value: _l("Waiting"),
    CheckStatus.SAME_PERSON.value: _l("Same person: taken in for the known client"),
    CheckStatus.OTHER_PERSON.value: _l("Another person: refused"),
    CheckStatus.REFUSED.value: _l("Refused"),
}


def status_label(value) -> str:
    return str(STATUS_LABELS.get(value, value))


def document_text(document) -> str:
    """The document as a person reads it in an access request: "Voornaam: Karin" lines."""
    if not isinstance(document, dict):
        return str(document)
    return "\n".join(
        f"{column_label(key)}: {text_of('intake_checks', key, value)}"
        for key, value in document.items()
        if key not in NOT_SPELLED_OUT and value not in (None, "", [], {})
    )


def _source_label(value) -> str:
    return str(INTAKE_SOURCE_LABELS.get(value, value))


# The access request's words for the check list (registered by the feature's init_app).
VOCABULARY = Vocabulary(
    table_codes={
        "intake_checks": {
            "source": _source_label,
            "status": status_label,
            "document": document_text,
        }
    },
)


class CheckRefused(CaseError):
    """A decided document received again: refused with the case worker's reason."""


def waiting_message():
    return _l(
        "this citizen number belongs to a client with another date of birth or name: the "
        "document waits in the check list for a case worker; nothing has been saved to a case"
    )


def hold(client: Client, document: IntakeDocument, key: str, source: str) -> IntakeCheck:
    """The check of this document: a new one that waits, or the one made when it came
    before. A document decided as another person or refused raises ``CheckRefused`` with
    the recorded reason."""
    earlier = db.session.scalars(
        select(IntakeCheck).where(IntakeCheck.message_key == key)
    ).one_or_none()
    if earlier is not None:
        if earlier.status in (CheckStatus.OTHER_PERSON.value, CheckStatus.REFUSED.value):
            raise CheckRefused(refusal_text(earlier), field="bsn")
        return earlier
    check = IntakeCheck(
        client_id=client.id,
        message_key=key,
        source=source,
        document=document.model_dump(mode="json"),
    )
    db.session.add(check)
    db.session.flush()
    return check


def refusal_text(check: IntakeCheck) -> str:
    if check.status == CheckStatus.OTHER_PERSON.value:
        return str(
            _l(
                "a case worker decided that this citizen number belongs to another person: "
                "%(reason)s",
                reason=check.reason,
            )
        )
    return str(_l("a case worker refused this document: %(reason)s", reason=check.reason))


def waiting_checks() -> list[IntakeCheck]:
    return list(
        db.session.scalars(
            select(IntakeCheck)
            .where(IntakeCheck.status == CheckStatus.WAITING.value)
            .order_by(IntakeCheck.received_at)
        )
    )


def decided_checks(limit: int = 50) -> list[IntakeCheck]:
    return list(
        db.session.scalars(
            select(IntakeCheck)
            .where(IntakeCheck.status != CheckStatus.WAITING.value)
            .order_by(IntakeCheck.decided_at.desc())
            .limit(limit)
        )
    )


def known_client(check: IntakeCheck) -> Client:
    return db.session.scalars(select(Client).where(Client.id == check.client_id)).one()


def record_decision(check: IntakeCheck, decision: CheckDecision, actor, reason: str | None):
    """Write the decision on the check (the caller has done what it means)."""
    if not check.is_waiting:
        raise Refused(_l("This document has been decided already."))
    reason = (reason or "").strip() or None
    if decision is not CheckDecision.SAME_PERSON and reason is None:
        raise Refused(_l("Write down why."), field="reason")
    check.status = decision.value
    check.reason = reason
    check.decided_at = utcnow()
    check.decided_by_id = getattr(actor, "id", None)
    db.session.flush()
