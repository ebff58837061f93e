"""The intake document: one pydantic model for the form, the file upload and the API.

``IntakeDocument`` is the one description of a document: the API validates its JSON
body with it, the upload maps each CSV row (``flat_row_to_document``) or JSON list
entry onto it, and the HTML form (WTForms, ``forms.py``) hands its fields to it.
The schema in ``docs/openapi.yaml`` is generated from it (``scripts/openapi_schema.py``;
a test fails when the file and the model differ).

Every refusal names its field and says why in Dutch (``parse_document`` returns a
list of (field, message)). Text longer than its column is refused, never cut; dates
are ``YYYY-MM-DD`` only (no week or ordinal dates, no timestamps) between 1900-01-01
and 2100-12-31; text fields take text only (a number is refused, not converted).
"""

import hashlib
import json
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from flask import has_app_context
from flask_babel import lazy_gettext as _
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.cases.bsn import passes_eleven_test
from app.cases.intake.facilities import (
    canonical_facility,
    known_facilities,
    shipped_facilities,
)
from app.cases.intake.models import MessageKind
from app.cases.models import (
    ALL_LIFE_DOMAINS,
    Case,
    Client,
    DomainStatus,
    LegalTitle,
    ReleaseType,
)
from app.core.tenancy import current_tenant_id
from app.extensions import db

MIN_AGE_YEARS = 18
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2100, 12, 31)
# Text columns without a length of their own get these limits.
MAX_TEXT = 4000
ADDRESS_LENGTH = 500
# The message key column holds "id:" and the sender's id (or "sha256:" and a hash).
MESSAGE_ID_LENGTH = 200
DOMAIN_KEYS = tuple(kind.value for kind in ALL_LIFE_DOMAINS)
STATUS_VALUES = tuple(status.value for status in DomainStatus)
LEGAL_TITLE_VALUES = tuple(kind.value for kind in LegalTitle)
RELEASE_TYPE_VALUES = tuple(kind.value for kind in ReleaseType)
KIND_VALUES = tuple(kind.value for kind in MessageKind)
# Fields a message of an older shape did not have: left out of the content key while they
# hold their default, so that a file received before them is still known (``message_key``).
NEWER_FIELDS = {
    "kind": MessageKind.BASIC_DOCUMENT.value,
    "event_date": None,
    "leave_end": None,
    "intended_address": None,
}
# The fields of what the prison caseworker delivers (issue 16, point 5). A document
# without them keeps the content key it had before they existed (``message_key``).
CASEWORKER_FIELDS = (
    "prison_number",
    "legal_title",
    "judgement_date",
    "release_type",
    "probation_involved",
    "probation_officer",
    "prison_caseworker_name",
    "prison_caseworker_contact",
)
TRUE_WORDS = {"true", "1", "ja", "yes", "j", "y"}
FALSE_WORDS = {"false", "0", "nee", "no", "n", ""}
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def column_length(model, name: str) -> int:
    """The length of the column the field is stored in: the field's limit."""
    return model.__table__.c[name].type.length


# --- the Dutch messages, by the error type the validators raise ------------------------

MESSAGES = {
    "missing": _("is required"),
    "required": _("is required"),
    "text_type": _("must be text"),
    "string_type": _("must be text"),
    "characters": _("contains characters that are not allowed"),
    "date_format": _("must be a date (YYYY-MM-DD)"),
    "date_range": _("is not a plausible date"),
    "bool": _("must be yes or no"),
    "bsn_digits": _("must be nine digits"),
    "bsn_eleven": _("does not pass the eleven-test"),
    "minor": _("the client is under 18: aftercare for minors has another framework"),
    "before_start": _("lies before the start of detention"),
    "status": _("is not a known status"),
    "kind": _("is not a known kind of message"),
    "needed_for_kind": _("is required for this kind of message"),
    "before_event": _("lies before the start of the leave"),
    "facility": _("is not a known prison: choose one from the list"),
    "legal_title": _("is not a known legal title"),
    "release_type": _("is not a known kind of release"),
    "extra_forbidden": _("is not a life domain"),
    "model_type": _("must be an object"),
    "model_attributes_type": _("must be an object"),
}


def refuse(kind: str) -> PydanticCustomError:
    return PydanticCustomError(kind, kind)


def message_for(error: dict):
    kind, location = error["type"], error["loc"]
    if kind in ("string_too_long", "too_long"):
        return _("is longer than %(n)s characters", n=error["ctx"]["max_length"])
    if location == ("domains",) and kind in ("model_type", "model_attributes_type"):
        return _("must be an object with one entry per life domain")
    return MESSAGES.get(kind, _("is not valid"))


# --- the validators (before pydantic's own type and length checks) --------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise refuse("text_type")
    value = value.strip()
    if not value:
        return None
    if "\x00" in value or not _encodable(value):
        raise refuse("characters")
    return value


def _required_text(value: Any) -> str:
    value = _text(value)
    if value is None:
        raise refuse("required")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise refuse("date_format") from None
    else:
        raise refuse("date_format")
    if not FIRST_DATE <= parsed <= LAST_DATE:
        raise refuse("date_range")
    return parsed


def _required_date(value: Any) -> date:
    parsed = _date(value)
    if parsed is None:
        raise refuse("required")
    return parsed


def _bool(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise refuse("bool")


def _bsn(value: Any) -> str:
    value = _required_text(value).replace(" ", "").replace(".", "")
    if not (len(value) == 9 and value.isascii() and value.isdigit()):
        raise refuse("bsn_digits")
    if not passes_eleven_test(value):
        raise refuse("bsn_eleven")
    return value


def _status(value: Any) -> str:
    if value is None or value == "":
        return DomainStatus.UNKNOWN.value
    if value not in STATUS_VALUES:
        raise refuse("status")
    return value


def _choice(values: tuple[str, ...], kind: str):
    def check(value: Any) -> str | None:
        value = _text(value)
        if value is None:
            return None
        if value not in values:
            raise refuse(kind)
        return value

    return check


def text(limit: int, description: str | None = None):
    limited = Annotated[str, StringConstraints(max_length=limit)]
    return Annotated[limited | None, BeforeValidator(_text), Field(description=description)]


def required_text(limit: int, description: str | None = None):
    return Annotated[
        str, BeforeValidator(_required_text), Field(max_length=limit, description=description)
    ]


DATE_RULE = "YYYY-MM-DD, from 1900-01-01 to 2100-12-31."
IsoDate = Annotated[date | None, BeforeValidator(_date), Field(description=DATE_RULE)]
YesNo = Annotated[bool, BeforeValidator(_bool)]
Status = Annotated[Literal[STATUS_VALUES], BeforeValidator(_status)]  # type: ignore[valid-type]
KindValue = Annotated[
    Literal[KIND_VALUES],  # type: ignore[valid-type]
    BeforeValidator(lambda value: _choice(KIND_VALUES, "kind")(value) or "basic_document"),
    Field(
        description="The kind of message: detention_start (start of detention), "
        "basic_document (the intake document; a new version updates the case), transfer "
        "(to another prison: facility required), leave (event_date the first day, "
        "leave_end the last), end_of_detention (event_date the day of release, with "
        "release_type). Default basic_document."
    ),
]
LegalTitleValue = Annotated[
    Literal[LEGAL_TITLE_VALUES] | None,  # type: ignore[valid-type]
    BeforeValidator(_choice(LEGAL_TITLE_VALUES, "legal_title")),
    Field(
        description="remand (voorlopige hechtenis), not_final_judgement (veroordeeld, niet "
        "onherroepelijk), final_judgement (onherroepelijk), substitute_custody (vervangende "
        "hechtenis), other."
    ),
]
ReleaseTypeValue = Annotated[
    Literal[RELEASE_TYPE_VALUES] | None,  # type: ignore[valid-type]
    BeforeValidator(_choice(RELEASE_TYPE_VALUES, "release_type")),
    Field(
        description="regular, conditional_release (voorwaardelijke invrijheidstelling), "
        "electronic_supervision (elektronische detentie/enkelband), released_from_remand "
        "(geschorst of heengezonden uit voorlopige hechtenis)."
    ),
]


# --- the model -------------------------------------------------------------------------


class LifeDomainInput(BaseModel):
    """The status of one life domain, its situation and the help asked for."""

    status: Status = Field(
        DomainStatus.UNKNOWN.value,
        description="geregeld, niet geregeld, onbekend, niet van toepassing",
    )
    situation: text(MAX_TEXT, "The situation in this life domain.") = None
    need: text(MAX_TEXT, "The help asked for.") = None


IntakeDomains = create_model(
    "IntakeDomains",
    __config__=ConfigDict(
        extra="forbid",
        json_schema_extra={
            "description": "Per life domain the status, the situation and the help asked for."
        },
    ),
    **{key: (LifeDomainInput | None, None) for key in DOMAIN_KEYS},
)


class IntakeDocument(BaseModel):
    """The intake document (basisdocument nazorg) of one detainee."""

    # Unknown fields are left alone (a CSV may carry columns of its own).
    model_config = ConfigDict(extra="ignore")

    message_id: text(
        MESSAGE_ID_LENGTH, "The sender's id of this message; the key of idempotency."
    ) = None
    kind: KindValue = MessageKind.BASIC_DOCUMENT.value
    given_name: required_text(column_length(Client, "given_name"))
    family_name: required_text(column_length(Client, "family_name"))
    date_of_birth: Annotated[date, BeforeValidator(_required_date), Field(description=DATE_RULE)]
    bsn: Annotated[
        str,
        BeforeValidator(_bsn),
        Field(
            description="Citizen number; nine digits passing the eleven-test, 000000000 refused.",
            json_schema_extra={"pattern": "^[0-9]{9}$"},
        ),
    ]
    address: text(
        ADDRESS_LENGTH,
        "The address before detention, with its postcode (1234 AB): without an intended "
        "address, the municipality of responsibility is proposed from it.",
    ) = None
    postal_address: text(ADDRESS_LENGTH) = None
    intended_address: text(
        ADDRESS_LENGTH,
        "The intended address after detention, with its postcode (1234 AB): the "
        "municipality of responsibility is proposed from it (app/cases/postcodes.json).",
    ) = None
    responsible_municipality: text(
        column_length(Client, "responsible_outside_name"),
        "Optional: the municipality of responsibility as the sender knows it (name or slug). "
        "A municipality of the region becomes the proposal; any other name is recorded as "
        "outside the region. Without it the portal proposes from the postcodes. A case "
        "worker confirms; a confirmed choice is not changed by a later document.",
    ) = None
    facility: Annotated[
        text(
            column_length(Case, "facility"),
            "The prison (PI): one of the Dutch prisons of the shipped list "
            "(app/cases/intake/facilities.json) or of the municipality's own additions; "
            "case and spaces do not matter, the list's spelling is stored. Required for a "
            "transfer (the new prison).",
        ),
        Field(validate_default=True),
    ] = None
    detention_start: IsoDate = None
    expected_release: IsoDate = None
    prolific_offender: YesNo = False
    benefit_recipient: YesNo = False
    prison_number: text(
        column_length(Case, "prison_number"), "The detainee's number at the prison."
    ) = None
    legal_title: LegalTitleValue = None
    judgement_date: Annotated[
        date | None,
        BeforeValidator(_date),
        Field(description="The first judgement; " + DATE_RULE),
    ] = None
    release_type: ReleaseTypeValue = None
    probation_involved: YesNo = False
    probation_officer: text(
        column_length(Case, "probation_officer"), "Name and contact of the probation officer."
    ) = None
    prison_caseworker_name: text(
        column_length(Case, "prison_caseworker_name"), "The prison caseworker (MMD-er)."
    ) = None
    prison_caseworker_contact: text(
        column_length(Case, "prison_caseworker_contact"),
        "Telephone or e-mail of the prison caseworker.",
    ) = None
    event_date: Annotated[
        date | None,
        BeforeValidator(_date),
        Field(
            validate_default=True,
            description="Transfer: the day of the transfer; leave: its first day; end of "
            "detention: the day of release (required there). " + DATE_RULE,
        ),
    ] = None
    leave_end: IsoDate = None
    domains: IntakeDomains = Field(default_factory=IntakeDomains)  # type: ignore[valid-type]

    @field_validator("date_of_birth")
    @classmethod
    def _adult(cls, born: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today") or date.today()
        if born > today or _age(born, today) < MIN_AGE_YEARS:
            raise refuse("minor")
        return born

    @field_validator("expected_release")
    @classmethod
    def _after_start(cls, release: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("detention_start")
        if start and release and release < start:
            raise refuse("before_start")
        return release

    @field_validator("event_date")
    @classmethod
    def _date_for_kind(cls, day: date | None, info: ValidationInfo) -> date | None:
        needed = (MessageKind.LEAVE.value, MessageKind.END_OF_DETENTION.value)
        if day is None and info.data.get("kind") in needed:
            raise refuse("needed_for_kind")
        return day

    @field_validator("leave_end")
    @classmethod
    def _after_leave_start(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("event_date")
        if start and end and end < start:
            raise refuse("before_event")
        return end

    @field_validator("facility")
    @classmethod
    def _known_facility(cls, facility: str | None, info: ValidationInfo) -> str | None:
        if facility is None:
            if info.data.get("kind") == MessageKind.TRANSFER.value:
                raise refuse("needed_for_kind")
            return None
        facilities = (info.context or {}).get("facilities") or shipped_facilities()
        known = canonical_facility(facility, facilities)
        if known is None:
            raise refuse("facility")
        return known

    def domain_inputs(self) -> dict[str, LifeDomainInput]:
        """The life domains the document speaks of, by key."""
        return {
            key: entry for key in DOMAIN_KEYS if (entry := getattr(self.domains, key)) is not None
        }

    def message_key(self) -> str:
        """The sender's id, or a hash of the content when the sender gives none.

        The hashed content is the same as before the pydantic model (a file received
        then is still known now): every field, and the domains the document gives.
        """
        if self.message_id:
            return f"id:{self.message_id}"
        content = self.model_dump(exclude={"domains"})
        for name in CASEWORKER_FIELDS:
            if content[name] in (None, False):
                del content[name]
        for name, default in NEWER_FIELDS.items():
            if content[name] == default:
                del content[name]
        content["domains"] = {k: v.model_dump() for k, v in self.domain_inputs().items()}
        encoded = json.dumps(content, sort_keys=True, default=str)
        return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def parse_document(data: Any, *, today: date | None = None, facilities=None):
    """(IntakeDocument, []) when valid, else (None, [(field, Dutch message), ...]).

    ``facilities``: the prisons the facility must be one of; by default the shipped list
    and, in a municipality's session, its own additions.
    """
    if facilities is None:
        facilities = _current_facilities()
    context = {"today": today or date.today(), "facilities": facilities}
    try:
        document = IntakeDocument.model_validate(data, context=context)
    except ValidationError as error:
        return None, [
            (".".join(str(part) for part in e["loc"]) or "document", message_for(e))
            for e in error.errors(include_url=False)
        ]
    return document, []


def _current_facilities():
    if has_app_context() and current_tenant_id(db.session) is not None:
        return known_facilities()
    return shipped_facilities()


def flat_row_to_document(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row (``housing_status``, ``housing_situation``, ``housing_need`` ...) as a document."""
    document: dict[str, Any] = {}
    domains: dict[str, dict] = {}
    for column, value in row.items():
        if column is None:
            continue
        column = column.strip()
        value = value.strip() if isinstance(value, str) else value
        key, _sep, part = column.rpartition("_")
        if key in DOMAIN_KEYS and part in ("status", "situation", "need"):
            if value not in (None, ""):
                domains.setdefault(key, {})[part] = value
            continue
        document[column] = value if value != "" else None
    if domains:
        document["domains"] = domains
    return document
