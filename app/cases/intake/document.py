"""The intake document: one schema for the form, the file upload and the API.

A document is a flat-ish dict (see ``docs/openapi.yaml`` and the README):
client fields, case fields, and ``domains`` with per life domain the status,
the situation and the help asked for. ``parse_document`` returns the typed
document or a list of (field, Dutch message).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _

from app.cases.bsn import passes_eleven_test
from app.cases.models import ALL_LIFE_DOMAINS, DomainStatus

MAX_TEXT = 4000
MIN_AGE_YEARS = 18
CLIENT_TEXT_FIELDS = {"given_name": 120, "family_name": 120, "responsible_municipality": 120}
OPTIONAL_TEXT_FIELDS = {"address": 500, "postal_address": 500, "facility": 200}
DOMAIN_KEYS = tuple(kind.value for kind in ALL_LIFE_DOMAINS)
STATUS_VALUES = tuple(status.value for status in DomainStatus)
TRUE_WORDS = {"true", "1", "ja", "yes", "j", "y"}
FALSE_WORDS = {"false", "0", "nee", "no", "n", ""}


@dataclass
class DomainInput:
    status: str = DomainStatus.UNKNOWN.value
    situation: str | None = None
    need: str | None = None


@dataclass
class IntakeDocument:
    given_name: str
    family_name: str
    date_of_birth: date
    bsn: str
    address: str | None = None
    postal_address: str | None = None
    responsible_municipality: str | None = None
    facility: str | None = None
    detention_start: date | None = None
    expected_release: date | None = None
    prolific_offender: bool = False
    benefit_recipient: bool = False
    message_id: str | None = None
    domains: dict[str, DomainInput] = field(default_factory=dict)

    def message_key(self) -> str:
        """The sender's id, or a hash of the content when the sender gives none."""
        if self.message_id:
            return f"id:{self.message_id}"
        content = json.dumps(asdict(self), sort_keys=True, default=str)
        return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


class _Errors(list):
    def add(self, name: str, message) -> None:
        self.append((name, message))


def _text(data: dict, name: str, errors: _Errors, *, limit: int, required: bool = False):
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(name, _("is required"))
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.add(name, _("must be text"))
        return None
    value = str(value).strip()
    if "\x00" in value or not _encodable(value):
        errors.add(name, _("contains characters that are not allowed"))
        return None
    if len(value) > limit:
        errors.add(name, _("is longer than %(n)s characters", n=limit))
        return None
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _date(data: dict, name: str, errors: _Errors, *, required: bool = False) -> date | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors.add(name, _("is required"))
        return None
    if not isinstance(value, str):
        errors.add(name, _("must be a date (YYYY-MM-DD)"))
        return None
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        errors.add(name, _("must be a date (YYYY-MM-DD)"))
        return None
    if not 1900 <= parsed.year <= 2100:
        errors.add(name, _("is not a plausible date"))
        return None
    return parsed


def _bool(data: dict, name: str, errors: _Errors) -> bool:
    value = data.get(name, False)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    errors.add(name, _("must be yes or no"))
    return False


def parse_document(data: Any, *, today: date | None = None):
    """(IntakeDocument, []) when valid, else (None, [(field, message), ...])."""
    today = today or date.today()
    errors = _Errors()
    if not isinstance(data, dict):
        return None, [("document", _("must be an object"))]
    values: dict[str, Any] = {}
    for name, limit in CLIENT_TEXT_FIELDS.items():
        required = name != "responsible_municipality"
        values[name] = _text(data, name, errors, limit=limit, required=required)
    for name, limit in OPTIONAL_TEXT_FIELDS.items():
        values[name] = _text(data, name, errors, limit=limit)
    values["message_id"] = _text(data, "message_id", errors, limit=200)

    bsn = _text(data, "bsn", errors, limit=20, required=True)
    if bsn is not None:
        bsn = bsn.replace(" ", "").replace(".", "")
        if not (len(bsn) == 9 and bsn.isascii() and bsn.isdigit()):
            errors.add("bsn", _("must be nine digits"))
        elif not passes_eleven_test(bsn):
            errors.add("bsn", _("does not pass the eleven-test"))
    values["bsn"] = bsn

    values["date_of_birth"] = _date(data, "date_of_birth", errors, required=True)
    born = values["date_of_birth"]
    if born and (born > today or _age(born, today) < MIN_AGE_YEARS):
        errors.add(
            "date_of_birth", _("the client is under 18: aftercare for minors has another framework")
        )
    values["detention_start"] = _date(data, "detention_start", errors)
    values["expected_release"] = _date(data, "expected_release", errors)
    start, release = values["detention_start"], values["expected_release"]
    if start and release and release < start:
        errors.add("expected_release", _("lies before the start of detention"))
    values["prolific_offender"] = _bool(data, "prolific_offender", errors)
    values["benefit_recipient"] = _bool(data, "benefit_recipient", errors)
    values["domains"] = _domains(data.get("domains"), errors)
    if errors:
        return None, list(errors)
    return IntakeDocument(**values), []


def _domains(raw: Any, errors: _Errors) -> dict[str, DomainInput]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.add("domains", _("must be an object with one entry per life domain"))
        return {}
    domains = {}
    for key, entry in raw.items():
        if key not in DOMAIN_KEYS:
            errors.add(f"domains.{key}", _("is not a life domain"))
            continue
        if entry is None:
            continue
        if not isinstance(entry, dict):
            errors.add(f"domains.{key}", _("must be an object"))
            continue
        status = entry.get("status") or DomainStatus.UNKNOWN.value
        if status not in STATUS_VALUES:
            errors.add(f"domains.{key}.status", _("is not a known status"))
            continue
        domains[key] = DomainInput(
            status=status,
            situation=_text(entry, "situation", errors, limit=MAX_TEXT),
            need=_text(entry, "need", errors, limit=MAX_TEXT),
        )
    return domains


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def flat_row_to_document(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row (``housing_status``, ``housing_situation``, ``housing_need`` ...) as a document."""
    document: dict[str, Any] = {}
    domains: dict[str, dict] = {}
    for column, value in row.items():
        if column is None:
            continue
        column = column.strip()
        value = value.strip() if isinstance(value, str) else value
        for key in DOMAIN_KEYS:
            for part in ("status", "situation", "need"):
                if column == f"{key}_{part}":
                    if value not in (None, ""):
                        domains.setdefault(key, {})[part] = value
                    break
            else:
                continue
            break
        else:
            document[column] = value if value != "" else None
    if domains:
        document["domains"] = domains
    return document
