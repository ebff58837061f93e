"""The intake form in WTForms; the intake document's model judges what it holds.

The form declares the fields and carries the CSRF token; it has no rules of its own,
so that the form, the upload and the API refuse exactly the same things with the same
Dutch messages (``document.IntakeDocument``). A refusal of the model is put on the
field it names (``domains.housing.status`` on ``housing_status``). A status is not
checked against the choices here: the model's message is the one the user reads.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from app.cases.intake.document import DOMAIN_KEYS, STATUS_VALUES, flat_row_to_document

TEXT_FIELDS = (
    "kind",
    "event_date",
    "leave_end",
    "given_name",
    "family_name",
    "date_of_birth",
    "bsn",
    "address",
    "postal_address",
    "intended_address",
    "responsible_municipality",
    "facility",
    "detention_start",
    "expected_release",
    "prison_number",
    "legal_title",
    "judgement_date",
    "release_type",
    "probation_officer",
    "prison_caseworker_name",
    "prison_caseworker_contact",
)
FLAGS = ("prolific_offender", "benefit_recipient", "probation_involved")


class IntakeForm(FlaskForm):
    pass


for _name in TEXT_FIELDS:
    setattr(IntakeForm, _name, StringField(_name))
for _name in FLAGS:
    setattr(IntakeForm, _name, BooleanField(_name))
for _key in DOMAIN_KEYS:
    setattr(
        IntakeForm,
        f"{_key}_status",
        SelectField(choices=list(STATUS_VALUES), validate_choice=False, default="unknown"),
    )
    setattr(IntakeForm, f"{_key}_situation", TextAreaField())
    setattr(IntakeForm, f"{_key}_need", TextAreaField())


def submitted_document(form: IntakeForm, submitted) -> dict:
    """The document the form holds, for the model: the fields the page sent (a life
    domain the municipality does not use is not on the page), and both flags."""
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
    """Each (field, message) of the model on its form field; the page's summary, by field."""
    messages = {}
    for name, message in errors:
        text = f"{label(name)}: {message}"
        field = form._fields.get(form_field(name))
        if field is not None:
            field.errors = [*field.errors, text]
        messages[form_field(name)] = text
    return messages


def values_of(form: IntakeForm) -> dict:
    """What the page shows in each field: what was sent, never changed."""
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
