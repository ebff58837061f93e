"""The volunteer programme's forms (WTForms; the fields refuse, never cut)."""

from __future__ import annotations

import re
import uuid

from flask_babel import lazy_gettext as _
from wtforms import Field
from wtforms.validators import StopValidation
from wtforms.widgets import HiddenInput

from app.core.forms import (
    Choice,
    DateValue,
    Flag,
    Form,
    SubmissionKeyField,
    TextField,
    UuidChoice,
    VersionField,
    WholeNumber,
    column_length,
)
from app.volunteers.models import (
    CirclePhase,
    DayPart,
    GenderPreference,
    OffenceKind,
    ReviewKind,
    SignalLevel,
    TrainingModule,
    Volunteer,
    VolunteerStatus,
    Weekday,
)

# The languages the programme asks about (ISO 639-1); the matching compares them.
LANGUAGES = ("nl", "en", "ar", "tr", "pl", "ro", "so", "ti", "fa", "pap", "fr", "de", "es")
SLOTS = tuple(f"{day.value}:{part.value}" for day in Weekday for part in DayPart)
_POSTCODE = re.compile(r"([1-9][0-9]{3}) ?([A-Za-z]{2})")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The length of a portal account's name (users.display_name; a test holds the two equal).
ACCOUNT_NAME_MAX = 200
# An id as the page writes it: 32 hexadecimal ASCII digits, dashes optional. uuid.UUID()
# alone would also read "urn:uuid:…", braces and digits of other scripts.
_ID = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")


class MultiChoice(Field):
    """Any number of ``values`` (checkboxes with one name); an unknown value is refused."""

    def __init__(self, label=None, values=(), **kwargs) -> None:
        super().__init__(label, **kwargs)
        self.values = tuple(getattr(v, "value", v) for v in values)
        self.data = []

    def process_formdata(self, valuelist) -> None:
        self.raw = list(valuelist)

    def pre_validate(self, form) -> None:
        chosen = [text.strip() for text in getattr(self, "raw", []) if text.strip()]
        if any(text not in self.values for text in chosen):
            self.data = []
            raise StopValidation(_("Choose one of the options."))
        self.data = sorted(set(chosen))


class MultiChoiceAny(Field):
    """Any number of short texts (names ticked on a list the service checks again)."""

    def __init__(self, label=None, **kwargs) -> None:
        super().__init__(label, **kwargs)
        self.data = []

    def process_formdata(self, valuelist) -> None:
        self.raw = list(valuelist)

    def pre_validate(self, form) -> None:
        chosen = [text.strip() for text in getattr(self, "raw", []) if text.strip()]
        if any(len(text) > 100 for text in chosen) or len(chosen) > 20:
            self.data = []
            raise StopValidation(_("Choose one of the options."))
        self.data = sorted(set(chosen))


class MultiId(Field):
    """Any number of row ids ticked on a list (the service checks each row again); a text
    that is not an id as the page writes it is refused, never read as another."""

    def __init__(self, label=None, **kwargs) -> None:
        super().__init__(label, **kwargs)
        self.data = []

    def process_formdata(self, valuelist) -> None:
        self.raw = list(valuelist)

    def pre_validate(self, form) -> None:
        chosen = [text.strip() for text in getattr(self, "raw", []) if text.strip()]
        if len(chosen) > 20 or any(not _ID.fullmatch(text) for text in chosen):
            self.data = []
            raise StopValidation(_("Choose one of the options."))
        self.data = list(dict.fromkeys(uuid.UUID(text) for text in chosen))


class Postcode(TextField):
    def parse(self, text: str) -> str:
        text = super().parse(text)
        found = _POSTCODE.fullmatch(text.strip())
        if found is None:
            raise StopValidation(_("Enter a Dutch postcode, e.g. 7411 AB."))
        return f"{found.group(1)} {found.group(2).upper()}"


class PostcodeArea(TextField):
    """The four digits of a postcode (the area, never the address); letters are dropped
    only when the person typed a whole postcode."""

    def parse(self, text: str) -> str:
        text = super().parse(text)
        if not text:
            return text
        found = re.fullmatch(r"([1-9][0-9]{3})(?: ?[A-Za-z]{2})?", text.strip())
        if found is None:
            raise StopValidation(_("Enter the four digits of a Dutch postcode, e.g. 7411."))
        return found.group(1)


class Email(TextField):
    def parse(self, text: str) -> str:
        text = super().parse(text)
        if not _EMAIL.fullmatch(text):
            raise StopValidation(_("Enter an email address, e.g. naam@voorbeeld.nl."))
        return text


class ApplicationForm(Form):
    first_name = TextField(
        _("First name"), required=True, max_length=column_length(Volunteer, "first_name")
    )
    last_name = TextField(
        _("Last name"), required=True, max_length=column_length(Volunteer, "last_name")
    )
    email = Email(_("Email address"), required=True, max_length=column_length(Volunteer, "email"))
    phone = TextField(_("Phone number"), max_length=column_length(Volunteer, "phone"))
    postcode = Postcode(_("Postcode"), required=True, max_length=7)
    languages = MultiChoice(_("Languages you speak"), values=LANGUAGES)
    availability = MultiChoice(_("When you are available"), values=SLOTS)
    capacity = WholeNumber(_("How many circles at once"), minimum=1, maximum=3, required=True)
    excluded_offences = MultiChoice(_("Offences you will not work with"), values=OffenceKind)
    gender_preference = Choice(
        _("Preference for the client's gender"), values=GenderPreference, required=True
    )
    skills = TextField(_("Skills and experience"), max_length=2000)
    motivation = TextField(_("Why you want to volunteer"), max_length=2000)
    # Spam: a field people never see (bots fill it), and when the form was handed out.
    website = TextField(_("Leave this field empty"), max_length=200)
    started = Field(widget=HiddenInput())
    submission_key = SubmissionKeyField()

    def validate_last_name(self, field) -> None:
        """On activation the volunteer's portal account is named "first last", which must
        fit the account's name (users.display_name): refused here, where the name can
        still be changed, rather than failing when the coordinator activates them."""
        first, last = self.first_name.data or "", field.data or ""
        if first and last and len(first) + 1 + len(last) > ACCOUNT_NAME_MAX:
            raise StopValidation(
                _(
                    "First and last name together can have at most %(n)s characters.",
                    n=ACCOUNT_NAME_MAX - 1,
                )
            )


class StatusForm(Form):
    status = Choice(_("New status"), values=VolunteerStatus, required=True)
    reason = TextField(_("Reason"), max_length=2000)
    version = VersionField()


class CertificateForm(Form):
    issued_on = DateValue(_("Date of issue"), required=True)
    profile = TextField(
        _("Screening profile"), required=True, max_length=column_length(Volunteer, "vog_profile")
    )
    version = VersionField()


class TrainingForm(Form):
    module = Choice(_("Training module"), values=TrainingModule, required=True)
    completed_on = DateValue(_("Completed on"), required=True)


class ReferralForm(Form):
    """What a case worker carries to the circle programme (each part a choice)."""

    carry_first_name = Flag(_("The client's first name"))
    carry_municipality = Flag(_("Our municipality"))
    languages = MultiChoice(_("Languages the client speaks"), values=LANGUAGES)
    availability = MultiChoice(_("When the client is available"), values=SLOTS)
    needs = TextField(_("What the client needs from a circle, in words"), max_length=2000)
    places_to_avoid = TextField(_("Places to avoid"), max_length=2000)
    postcode_area = PostcodeArea(_("The four digits of the client's postcode"), max_length=7)
    offence_kinds = MultiChoice(
        _("Kinds of offence (only for the matching: volunteers who declined them are not asked)"),
        values=OffenceKind,
    )


class MemberForm(Form):
    volunteer_id = UuidChoice(_("Volunteer"), required=True)


class PhaseForm(Form):
    phase = Choice(_("Phase"), values=CirclePhase, required=True)
    covenant_signed_on = DateValue(_("Covenant signed on"))
    version = VersionField()


class ProfessionalForm(Form):
    name = TextField(_("Name"), required=True, max_length=200)
    organisation = TextField(_("Organisation"), required=True, max_length=200)
    role = TextField(_("Role"), required=True, max_length=200)


class MeetingForm(Form):
    held_on = DateValue(_("Date"), required=True)
    duration_minutes = WholeNumber(_("Duration in minutes"), minimum=5, maximum=600, required=True)
    present = MultiChoiceAny(_("Who was there"))
    minutes = TextField(_("Minutes"), max_length=10_000)
    submission_key = SubmissionKeyField()


class SignalForm(Form):
    level = Choice(_("Level"), values=SignalLevel, required=True)
    body = TextField(_("What you noticed"), required=True, max_length=5000)
    submission_key = SubmissionKeyField()


class AcceptProposalForm(Form):
    volunteer_ids = MultiId(_("Volunteers"))
    version = VersionField()


class RunMatchingForm(Form):
    """Only the CSRF token: the run reads the whole waiting list."""


class DecideForm(Form):
    version = VersionField()


class HandleSignalForm(Form):
    forward = Flag(_("Pass on to the referring case worker"))


class ReviewForm(Form):
    kind = Choice(_("Kind"), values=ReviewKind, required=True)
    held_on = DateValue(_("Date"), required=True)
    summary = TextField(_("Summary"), required=True, max_length=10_000)


class InvitationForm(Form):
    answer = Choice(_("Answer"), values=("accept", "decline"), required=True)
