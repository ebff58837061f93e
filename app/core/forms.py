"""The form layer of the HTML forms: WTForms (Flask-WTF) with fields that refuse, never cut.

Every field keeps what was sent or refuses it with a Dutch message next to it: a text
longer than its column, a text with control characters, a date outside 1900-2100 (or
not written as YYYY-MM-DD: no week dates, no "2026-1-1"), a number outside its column's
range or not written as plain digits. Digits are the ASCII 0-9 in every field (a number,
an amount, a date, an id, a code): "٣", "３" or "1_000", which Python's int() would read,
are refused (``AsciiRegexp`` for the pattern validators). Only the surrounding white
space of a text is dropped (what a browser user cannot see), and an empty text is "none";
that is the one filter of these fields (tests/core/test_every_form.py holds every form to
it).

The shared fields of the portal's forms are ``VersionField`` (the version of the row
the form was loaded with, for ``app.core.actions.check_version``) and
``SubmissionKeyField`` (the one-time key of a create form, for ``create_once``).
CSRF is checked for every POST by the global ``CSRFProtect``, so the forms do not
check it a second time.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import Regexp, StopValidation
from wtforms.widgets import CheckboxInput, HiddenInput, TextInput

# PostgreSQL's INTEGER; a larger number fails in the form, not in the database.
MAX_INT = 2**31 - 1
# A text column without a length of its own still gets one (a page, not a book).
MAX_TEXT = 10_000
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2100, 12, 31)

# re.ASCII everywhere a pattern says \d or \s: Python's \d also matches "٣" and "３",
# which int() and Decimal() then read as 3, so a value typed in another script would be
# saved as something else than what the person saw. Digits are 0-9, nothing more.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,12}")
# C0 controls but tab, line feed and carriage return (a textarea's lines); DEL; C1 controls.
# PostgreSQL refuses NUL in text, and none of them belongs in a file's text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class AsciiRegexp(Regexp):
    """WTForms' ``Regexp`` with ``re.ASCII``: ``\\d`` is 0-9 and ``\\s`` is ASCII white space
    only, so a code or number written in another script is refused, not read as digits.
    The one pattern validator of the portal's forms (the registry test checks that no
    form uses a plain ``Regexp`` with ``\\d``, ``\\w`` or ``\\s``)."""

    def __init__(self, regex, flags: int = 0, message=None) -> None:
        super().__init__(regex, flags | re.ASCII, message)


def incomplete_message():
    return _("This form is incomplete: reload the page and save again.")


class Form(FlaskForm):
    """A portal form: CSRF is the global check's, errors come as one message per field."""

    class Meta:
        csrf = False

    def error_dict(self) -> dict[str, str]:
        """field name -> its first message, for templates that show one per field."""
        return {name: str(messages[0]) for name, messages in self.errors.items() if messages}

    def sent(self, name: str) -> bool:
        """Whether the form carried the field at all (an optional part of a form)."""
        field = getattr(self, name)
        return field.raw_data is not None and len(field.raw_data) > 0


def _uuid(text: str, message) -> uuid.UUID:
    # uuid.UUID reads its hex digits with int(), which takes "１" for 1: ASCII only.
    if not text.isascii():
        raise StopValidation(message)
    try:
        return uuid.UUID(text)
    except ValueError:
        raise StopValidation(message) from None


class _Raw(Field):
    """A field whose one raw value (a string, or None when not sent) its subclass parses."""

    widget = TextInput()

    def __init__(self, label=None, *, required: bool = False, required_message=None, **kwargs):
        super().__init__(label, **kwargs)
        self.required = required
        self.required_message = required_message
        self.raw = None

    def process_formdata(self, valuelist) -> None:
        self.raw = valuelist[0] if valuelist else None

    def _value(self) -> str:
        if self.raw is not None:
            return self.raw
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form) -> None:
        text = (self.raw or "").strip()
        if not text:
            self.data = None
            if self.required:
                raise StopValidation(self.required_message or _("This field is required."))
            return
        self.data = self.parse(text)

    def parse(self, text: str):  # pragma: no cover - every field has its own
        raise NotImplementedError


class TextField(_Raw):
    """A text up to ``max_length`` characters (its column's length, or ``MAX_TEXT``)."""

    def __init__(self, label=None, *, max_length: int = MAX_TEXT, **kwargs) -> None:
        super().__init__(label, **kwargs)
        self.max_length = max_length

    def parse(self, text: str) -> str:
        if _CONTROL.search(text):
            raise StopValidation(_("This text contains characters that cannot be saved."))
        if len(text) > self.max_length:
            raise StopValidation(
                _(
                    "Use at most %(n)s characters (now %(length)s).",
                    n=self.max_length,
                    length=len(text),
                )
            )
        return text


class DateValue(_Raw):
    """A date written YYYY-MM-DD, from 1900-01-01 to 2100-12-31."""

    def parse(self, text: str) -> date:
        if not _ISO_DATE.fullmatch(text):
            raise StopValidation(_("Enter a date as YYYY-MM-DD."))
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise StopValidation(_("This date does not exist.")) from None
        if not FIRST_DATE <= value <= LAST_DATE:
            raise StopValidation(_("Enter a date between 1900 and 2100."))
        return value


class WholeNumber(_Raw):
    """A whole number written in digits, from ``minimum`` to ``maximum``."""

    def __init__(self, label=None, *, minimum: int = -MAX_INT, maximum: int = MAX_INT, **kw):
        super().__init__(label, **kw)
        self.minimum, self.maximum = minimum, maximum

    def parse(self, text: str) -> int:
        if not _WHOLE_NUMBER.fullmatch(text):
            if re.fullmatch(r"-?[0-9]+", text):
                raise StopValidation(self._range_message())
            raise StopValidation(_("Enter a whole number."))
        value = int(text)
        if not self.minimum <= value <= self.maximum:
            raise StopValidation(self._range_message())
        return value

    def _range_message(self):
        low, high = (format(n, ",").replace(",", ".") for n in (self.minimum, self.maximum))
        return _("Enter a number from %(low)s to %(high)s.", low=low, high=high)


class Choice(_Raw):
    """One of ``values`` (strings or enum members); set per form when they depend on the row."""

    def __init__(self, label=None, values=(), **kwargs) -> None:
        super().__init__(label, **kwargs)
        self.values = values

    def parse(self, text: str) -> str:
        allowed = {getattr(v, "value", v) for v in self.values}
        if text not in allowed:
            raise StopValidation(_("Choose one of the options."))
        return text


class UuidChoice(_Raw):
    """The id of a row chosen from a list (the view checks that the row exists)."""

    def parse(self, text: str) -> uuid.UUID:
        return _uuid(text, _("Choose one of the options."))


class Flag(_Raw):
    """A checkbox: on when the ticked box is sent, off when it is absent or empty.

    Only what a checkbox of the portal sends is taken: "1" (the value every template and
    ``_value`` give the box), "on" (a browser's value for a box without one) and "y"
    (WTForms' own checkbox, on a page rendered before this field replaced it); "0" is the
    task list's hidden "not done". Anything else ("true", "ja", "2") was not sent by a
    page: it is refused with a message, never read as on.
    """

    widget = CheckboxInput()
    ON = frozenset({"1", "on", "y"})
    OFF = frozenset({"", "0"})

    def pre_validate(self, form) -> None:
        text = self.raw or ""
        if text not in self.ON | self.OFF:
            self.data = False
            raise StopValidation(_("Tick the box or leave it empty."))
        self.data = text in self.ON

    def _value(self) -> str:
        # The value the ticked box sends; whether it is ticked is ``checked`` (the data).
        # str(False) here made a box ticked on an "off" row send "False", read as off.
        return "1"


class VersionField(_Raw):
    """The version of the row the form was loaded with; required, or a save could
    overwrite a change made since without anyone noticing."""

    widget = HiddenInput()

    def __init__(self, label=None, **kwargs) -> None:
        super().__init__(label, required=True, **kwargs)

    def pre_validate(self, form) -> None:
        text = (self.raw or "").strip()
        if not re.fullmatch(r"[0-9]{1,10}", text) or int(text) > MAX_INT:
            self.data = None
            raise StopValidation(incomplete_message())
        self.data = int(text)


class SubmissionKeyField(_Raw):
    """The one-time key of a create form: a second POST of it creates nothing.

    Rendered into the form as a fresh uuid; a request without one (no form of the
    portal) creates as it comes."""

    widget = HiddenInput()

    def parse(self, text: str) -> uuid.UUID:
        return _uuid(text, incomplete_message())


def new_submission_key() -> str:
    return str(uuid.uuid4())


def column_length(model, name: str) -> int:
    """The length of a text column of ``model``, or ``MAX_TEXT`` when it has none."""
    length = getattr(model.__table__.c[name].type, "length", None)
    return length or MAX_TEXT


_EUROS = re.compile(r"(\d{1,3}(?:\.\d{3})+|\d{1,9})(?:,(\d{1,2}))?", re.ASCII)


class EuroAmount(TextField):
    """An amount in euros written "1.500,00", "1500,5" or "1500" (a leading € allowed);
    kept as integer cents: the one amount field of every form."""

    def parse(self, text: str) -> int:
        text = super().parse(text)
        match = _EUROS.fullmatch(text.removeprefix("€").strip())
        if match is None:
            raise StopValidation(_("Enter an amount in euros, such as 1.500,00."))
        cents = int((match.group(2) or "0").ljust(2, "0"))
        value = int(match.group(1).replace(".", "")) * 100 + cents
        if value > MAX_INT:
            raise StopValidation(_("This amount is too large."))
        return value
