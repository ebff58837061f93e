"""Documents of a case: the basic document as received, a copy of an identity paper, a signed
consent form, a letter. Stored in PostgreSQL (``bytea``), in a tenant-owned table that hangs
off the case, so the tenant scope and row-level security, the retention sweep (the case's
tree), the transfer, the access request and the tenant export (as files with a manifest)
treat them as the rest of the file. No path on disk is ever made from user input.

- Size: at most the setting ``cases.document_max_kb`` (kilobytes).
- Type: taken from the content (magic bytes), never from the name: PDF, PNG, JPEG, TIFF,
  GIF, WebP. A name whose extension is of another type is refused (a PNG called
  ``brief.pdf``), and so is content of no known type. The stored name gets the extension
  of the detected type.
- Versions: a new version of a document is a row of its own beside the old one, with the
  same ``series_id`` and the next ``version_number``; nothing is overwritten.
- Download: always an attachment, a safe ASCII file name, the detected media type,
  ``nosniff`` (the portal's headers); every download is in the access log.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _
from sqlalchemy import (
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import NotFound

from app.cases import timeline
from app.cases.errors import CaseError
from app.cases.models import Case
from app.cases.timeline import EventKind
from app.core.actions import create_once
from app.core.db import TenantScoped, UTCDateTime, enum_check, utcnow
from app.core.settings import get_setting
from app.extensions import db

MAX_KB_SETTING = "cases.document_max_kb"
DEFAULT_MAX_KB = 10_240  # 10 MB
HARD_MAX_KB = 51_200  # the setting's ceiling (50 MB): one row, one request


class DocumentKind(StrEnum):
    BASIC_DOCUMENT = "basic_document"
    IDENTITY_PAPER = "identity_paper"
    CONSENT_FORM = "consent_form"
    LETTER = "letter"
    OTHER = "other"


KIND_LABELS = {
    DocumentKind.BASIC_DOCUMENT: _("Basic document"),
    DocumentKind.IDENTITY_PAPER: _("Identity paper"),
    DocumentKind.CONSENT_FORM: _("Consent form"),
    DocumentKind.LETTER: _("Letter"),
    DocumentKind.OTHER: _("Other document"),
}

# media type, extension, the extensions a name of this type may have, magic prefixes
_TYPES = (
    ("application/pdf", "pdf", {"pdf"}, (b"%PDF-",)),
    ("image/png", "png", {"png"}, (b"\x89PNG\r\n\x1a\n",)),
    ("image/jpeg", "jpg", {"jpg", "jpeg", "jpe", "jfif"}, (b"\xff\xd8\xff",)),
    ("image/tiff", "tif", {"tif", "tiff"}, (b"II*\x00", b"MM\x00*")),
    ("image/gif", "gif", {"gif"}, (b"GIF87a", b"GIF89a")),
)
KNOWN_EXTENSIONS = {ext for _t, _e, names, _m in _TYPES for ext in names} | {"webp"}


def detect_type(content: bytes) -> tuple[str, str] | None:
    """(media type, extension) from the content's first bytes, or None for an unknown type."""
    for media_type, extension, _names, magics in _TYPES:
        if any(content.startswith(magic) for magic in magics):
            return media_type, extension
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def _extensions_of(media_type: str) -> set[str]:
    for known, _ext, names, _m in _TYPES:
        if known == media_type:
            return names
    return {"webp"}


def safe_filename(name: str, extension: str) -> str:
    """An ASCII name of letters, digits, ``-``, ``_`` and ``.``, with ``extension``."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if "." in base:
        base = base.rsplit(".", 1)[0]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-.")[:100] or "document"
    return f"{base}.{extension}"


class CaseDocument(TenantScoped, db.Model):
    """One version of a document of a case (the content in the row)."""

    __tablename__ = "case_documents"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        Index("ix_case_documents_tenant_id_case_id", "tenant_id", "case_id"),
        UniqueConstraint("tenant_id", "series_id", "version_number"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    case_id: Mapped[uuid.UUID]
    # Every version of one document shares the series (the first version's id).
    series_id: Mapped[uuid.UUID]
    version_number: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(30), enum_check("kind", DocumentKind))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submission_key: Mapped[uuid.UUID | None]

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


def max_bytes() -> int:
    return int(get_setting(MAX_KB_SETTING)) * 1024


def documents_of(case: Case) -> list[list[CaseDocument]]:
    """Per document (series), its versions newest first; the newest documents first."""
    rows = db.session.scalars(
        select(CaseDocument)
        .where(CaseDocument.case_id == case.id)
        .order_by(CaseDocument.uploaded_at.desc(), CaseDocument.version_number.desc())
    ).all()
    series: dict[uuid.UUID, list[CaseDocument]] = {}
    for row in rows:
        series.setdefault(row.series_id, []).append(row)
    return [sorted(v, key=lambda d: -d.version_number) for v in series.values()]


def access_document(case: Case, document_id: uuid.UUID) -> CaseDocument:
    document = db.session.scalars(
        select(CaseDocument).where(CaseDocument.id == document_id, CaseDocument.case_id == case.id)
    ).one_or_none()
    if document is None:
        raise NotFound()
    return document


def check_content(filename: str, content: bytes) -> tuple[str, str]:
    """(media type, extension) of an acceptable file, or a ``CaseError`` with the reason."""
    if not content:
        raise CaseError(_("The file is empty."), field="file")
    if len(content) > max_bytes():
        raise CaseError(
            _("A document may be at most %(kb)s kB.", kb=get_setting(MAX_KB_SETTING)),
            field="file",
        )
    detected = detect_type(content)
    if detected is None:
        raise CaseError(
            _("This type of file is not accepted: only PDF, PNG, JPEG, TIFF, GIF and WebP."),
            field="file",
        )
    name_ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if name_ext in KNOWN_EXTENSIONS and name_ext not in _extensions_of(detected[0]):
        raise CaseError(
            _("The file's name says .%(ext)s, but its content is of another type.", ext=name_ext),
            field="file",
        )
    return detected


def add_document(
    case: Case,
    actor,
    *,
    kind: str,
    title: str | None,
    filename: str,
    content: bytes,
    series_of: CaseDocument | None = None,
    submission_key: uuid.UUID | None = None,
) -> CaseDocument:
    """Store a document (or, with ``series_of``, a new version beside the earlier ones)."""
    if kind not in {k.value for k in DocumentKind}:
        raise CaseError(_("Choose a kind of document from the list."), field="kind")
    title = (title or "").strip()
    limit = CaseDocument.__table__.c.title.type.length
    if len(title) > limit:
        # Refused, never cut: the form refuses it first; this guards the other callers.
        raise CaseError(
            _("Use at most %(n)s characters (now %(length)s).", n=limit, length=len(title)),
            field="title",
        )
    media_type, extension = check_content(filename, content)

    def build() -> CaseDocument:
        document_id = uuid.uuid4()
        if series_of is not None:
            series_id = series_of.series_id
            number = (
                db.session.scalar(
                    select(func.max(CaseDocument.version_number)).where(
                        CaseDocument.series_id == series_id
                    )
                )
                or 0
            ) + 1
        else:
            series_id, number = document_id, 1
        name = safe_filename(filename, extension)
        return CaseDocument(
            id=document_id,
            case_id=case.id,
            series_id=series_id,
            version_number=number,
            kind=kind,
            title=title or name,
            filename=name,
            media_type=media_type,
            size_bytes=len(content),
            content_sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            uploaded_by=timeline.actor_name(actor),
        )

    document, created = create_once(CaseDocument, submission_key, build)
    if created:
        db.session.flush()
        timeline.record(
            case.id,
            EventKind.DOCUMENT_ADDED,
            actor,
            document=str(document.id),
            document_kind=document.kind,
            title=document.title,
            version=document.version_number,
        )
    return document
