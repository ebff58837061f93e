"""Notes on a case, with their author and every earlier text (edit history)."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _
from sqlalchemy import (
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, subqueryload
from werkzeug.exceptions import NotFound

from app.cases import timeline
from app.cases.errors import CaseError
from app.cases.models import Case
from app.cases.timeline import EventKind
from app.core.actions import check_version, create_once
from app.core.db import TenantScoped, Timestamped, UTCDateTime, utcnow
from app.extensions import db

MAX_NOTE = 10_000


class Note(TenantScoped, Timestamped, db.Model):
    __tablename__ = "case_notes"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        Index("ix_case_notes_tenant_id_case_id", "tenant_id", "case_id"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    case_id: Mapped[uuid.UUID]
    # The author's id (to let only them edit) and name (kept when the case moves away).
    author_id: Mapped[uuid.UUID | None] = mapped_column(info={"transfer": "drop"})
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The one-time key of the form that added it: posting that form again adds nothing.
    submission_key: Mapped[uuid.UUID | None]

    __mapper_args__ = {"version_id_col": version}

    revisions: Mapped[list[NoteRevision]] = relationship(
        primaryjoin="and_(Note.id == foreign(NoteRevision.note_id), "
        "Note.tenant_id == NoteRevision.tenant_id)",
        cascade="all, delete-orphan",
        order_by="NoteRevision.edited_at.desc()",
    )


class NoteRevision(TenantScoped, db.Model):
    """The text of a note as it was before one edit."""

    __tablename__ = "case_note_revisions"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "note_id"], ["case_notes.tenant_id", "case_notes.id"]),
        Index("ix_case_note_revisions_tenant_id_note_id", "tenant_id", "note_id"),
    )

    note_id: Mapped[uuid.UUID]
    body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_by: Mapped[str] = mapped_column(String(200))


def _clean(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise CaseError(_("A note cannot be empty."))
    if len(body) > MAX_NOTE:
        raise CaseError(_("A note can be at most %(n)s characters.", n=MAX_NOTE))
    return body


def notes_of(case: Case) -> list[Note]:
    return list(
        db.session.scalars(
            select(Note)
            .where(Note.case_id == case.id)
            # One query for all revisions: selectinload sends one per 500 notes.
            .options(subqueryload(Note.revisions))
            .order_by(Note.created_at.desc())
        )
    )


def access_note(case: Case, note_id: uuid.UUID) -> Note:
    note = db.session.scalars(
        select(Note).where(Note.id == note_id, Note.case_id == case.id)
    ).one_or_none()
    if note is None:
        raise NotFound()
    return note


def add_note(case: Case, author, body: str, *, submission_key: uuid.UUID | None = None) -> Note:
    """A new note; the same form posted again (same ``submission_key``) returns the first."""

    def build() -> Note:
        return Note(
            case_id=case.id,
            author_id=getattr(author, "id", None),
            author_name=timeline.actor_name(author),
            body=_clean(body),
        )

    note, created = create_once(Note, submission_key, build)
    if created:
        timeline.record(case.id, EventKind.NOTE_ADDED, author, note=str(note.id))
    return note


def edit_note(note: Note, editor, body: str, *, expected_version: int | None) -> None:
    """Change the text; the old text becomes a revision. Only the author edits a note."""
    if note.author_id is None or note.author_id != getattr(editor, "id", None):
        raise CaseError(_("Only the author can change a note."))
    check_version(note, expected_version)
    body = _clean(body)
    if body == note.body:
        return
    note.revisions.append(
        NoteRevision(body=note.body, edited_by=timeline.actor_name(editor), edited_at=utcnow())
    )
    note.body = body
    timeline.record(note.case_id, EventKind.NOTE_EDITED, editor, note=str(note.id))
