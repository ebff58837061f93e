"""The intake form in WTForms; the intake document's model judges what it holds.

The form declares the fields and carries the CSRF token. Its own rules are the ones
every portal form has (``app.core.forms``): a free text longer than the limit the model
gives it (its column's length, ``document.ADDRESS_LENGTH`` or ``document.MAX_TEXT``), or
with control characters, is refused next to its field; a checkbox takes only what a
checkbox sends (``Flag``). Everything else (dates, the citizen number, the codes, the
facility) is judged by the model, so that the form, the upload and the API refuse the
same things with the same Dutch messages (``document.IntakeDocument``). A refusal of the
model is put on the field it names (``domains.housing.status`` on ``housing_status``);
a field the form refused already gets no second message from the model. A status is not
checked against the choices here: the model's message is the one the user reads.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from app.cases.intake import document as model
from app.cases.intake.document import DOMAIN_KEYS, STATUS_VALUES, flat_row_to_document
from app.cases.models import Case, Client
from app.core.forms import Flag, TextField, column_length

# Free texts, with the model's limit (the column's length where the column has one).
TEXT_LIMITS = {
    "given_name": column_length(Client, "given_name"),
    "family_name": column_length(Client, "family_name"),
    "address": model.ADDRESS_LENGTH,
    "postal_address": model.ADDRESS_LENGTH,
    "intended_address": model.ADDRESS_LENGTH,
    "responsible_municipality": column_length(Client, "responsible_outside_name"),
    "facility": column_length(Case, "facility"),
    "prison_number": column_length(Case, "prison_number"),
    "probation_officer": column_length(Case, "probation_officer"),
    "prison_caseworker_name": column_length(Case, "prison_caseworker_name"),
    "prison_caseworker_contact": column_length(Case, "prison_caseworker_contact"),
}
# Values the model parses (a date, the citizen number, a code): never stored as sent text.
PARSED_FIELDS = (
    "kind",
    "event_date",
    "leave_end",
    "date_of_birth",
    "bsn",
    "detention_start",
    "expected_release",
    "legal_title",
    "judgement_date",
    "release_type",
)
TEXT_FIELDS = (*PARSED_FIELDS, *TEXT_LIMITS)
FLAGS = ("prolific_offender", "benefit_recipient", "probation_involved")


class IntakeForm(FlaskForm):
    pass


for _name in PARSED_FIELDS:
    setattr(IntakeForm, _name, StringField(_name))
for _name, _limit in TEXT_LIMITS.items():
    setattr(IntakeForm, _name, TextField(_name, max_length=_limit))
for _name in FLAGS:
    setattr(IntakeForm, _name, Flag(_name))
for _key in DOMAIN_KEYS:
    setattr(
        IntakeForm,
        f"{_key}_status",
        SelectField(choices=list(STATUS_VALUES), validate_choice=False, default="unknown"),
    )
    setattr(IntakeForm, f"{_key}_situation", TextField(max_length=model.MAX_TEXT))
    setattr(IntakeForm, f"{_key}_need", TextField(max_length=model.MAX_TEXT))


def submitted_document(form: IntakeForm, submitted) -> dict:
    """The document the form holds, for the model (call after ``form.validate()``): the
    fields the page sent (a life domain the municipality does not use is not on the
    page), and the flags."""
    row = {
        name: field.data
        for name, field in form._fields.items()
        if name in submitted and name not in FLAGS and name != "csrf_token"
    }
    document = flat_row_to_document(row)
    for flag in FLAGS:
        document[flag] = bool(form[flag].data)
    return document


def form_field(name: str) -> str:
    """The form's field for a document error (``domains.housing.status``: ``housing_status``)."""
    return name.removeprefix("domains.").replace(".", "_")


def put_errors(form: IntakeForm, errors: list, label) -> dict[str, str]:
    """The page's summary, by field: the form's own refusals, then each (field, message)
    of the model on its form field (one the form refused already keeps its one message)."""
    messages = {
        name: f"{label(document_name(name))}: {field.errors[0]}"
        for name, field in form._fields.items()
        if field.errors
    }
    for name, message in errors:
        if form_field(name) in messages:
            continue
        text = f"{label(name)}: {message}"
        field = form._fields.get(form_field(name))
        if field is not None:
            field.errors = [*field.errors, text]
        messages[form_field(name)] = text
    return messages


def document_name(field: str) -> str:
    """The document's name of a form field (``housing_status``: ``domains.housing.status``)."""
    key, _sep, part = field.rpartition("_")
    if key in DOMAIN_KEYS and part in ("status", "situation", "need"):
        return f"domains.{key}.{part}"
    return field


def values_of(form: IntakeForm) -> dict:
    """What the page shows in each field: what was sent, never changed (a refused text too)."""
    return {
        name: field.raw if isinstance(field, TextField) else field.data
        for name, field in form._fields.items()
        if name != "csrf_token"
    }
