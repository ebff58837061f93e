"""The field-level property of every form field: what a field keeps equals what was sent,
or the field refused it with a message.

``values_for(field)`` generates the input of one field: values that should pass (digits,
ISO dates, euro amounts, the field's choices, texts up to its length), the same values
with digits of other scripts ("٣", "３", "३"), with "_" between digits or with white space
around them, texts one past the length, control characters, empty, and any unicode.

``expected(field, sent)`` is the oracle, written apart from the fields' own parsers: what
the field's data must be when it accepts ``sent``. ``None`` from it means "this must be
refused". Only the surrounding white space of a text is dropped (``app.core.forms``'
documented filter, what a browser user cannot see); the citizen number of the privacy
lookup drops spaces and dots (its documented filter); a postcode is written "7411 AB"
and a postcode area keeps its four digits (documented on the fields).
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal

from hypothesis import strategies as st
from wtforms import (
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length

from app.core import forms as core
from app.volunteers import forms as volunteer_forms

OTHER_DIGITS = ("٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "०१२३४५६७८९", "۰۱۲۳۴۵۶۷۸۹")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REFUSE = object()


def _other_script(text: str, digits: str) -> str:
    return "".join(digits[int(c)] if c in "0123456789" else c for c in text)


def _variants(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A valid text, and the ways it could be coerced into one."""
    return st.one_of(
        valid,
        st.tuples(valid, st.sampled_from(OTHER_DIGITS)).map(lambda t: _other_script(*t)),
        valid.map(lambda t: re.sub(r"([0-9])([0-9])", r"\1_\2", t, count=1)),
        valid.map(lambda t: f" {t}\t"),
        valid.map(lambda t: f"+{t}"),
        st.tuples(valid, st.sampled_from(["\x00", "\x1b", "\x85", "\u200b"])).map(
            lambda t: t[0] + t[1]
        ),
    )


def _euros(cents: int) -> st.SearchStrategy[str]:
    whole, rest = divmod(cents, 100)
    dotted = f"{whole:,}".replace(",", ".")
    return st.sampled_from(
        [
            str(whole),
            f"{whole},{rest:02d}",
            f"{dotted},{rest:02d}",
            f"€ {dotted}",
            f"{whole},{rest}",
        ]
    )


ANY = st.one_of(
    st.text(max_size=30),
    st.just(""),
    st.just("   "),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x9F), max_size=8),
)


def max_length(field) -> int | None:
    if isinstance(field, core.TextField):
        return field.max_length
    for validator in field.validators:
        if isinstance(validator, Length) and validator.max >= 0:
            return validator.max
    return None


def values_for(field) -> st.SearchStrategy[str]:
    if isinstance(field, core.EuroAmount):
        valid = st.integers(0, 10**11).flatmap(_euros)
    elif isinstance(field, core.DateValue):
        valid = st.dates().map(date.isoformat)
    elif isinstance(field, core.WholeNumber | core.VersionField):
        valid = st.integers(-(10**13), 10**13).map(str)
    elif isinstance(field, core.UuidChoice | core.SubmissionKeyField | volunteer_forms.MultiId):
        valid = st.uuids().map(str)
    elif isinstance(field, core.Choice | volunteer_forms.MultiChoice):
        valid = st.sampled_from([str(getattr(v, "value", v)) for v in field.values] or [""])
    elif isinstance(field, SelectField):
        valid = st.sampled_from([str(c[0]) for c in field.iter_choices()] or [""])
    elif isinstance(field, volunteer_forms.PostcodeArea | volunteer_forms.Postcode):
        valid = st.from_regex(r"[1-9][0-9]{3} ?[A-Za-z]{2}", fullmatch=True)
    elif isinstance(field, core.Flag):
        valid = st.sampled_from(["1", "on", "y", "0", "", "ja", "true", "ON", " 1", "2"])
    else:
        limit = max_length(field) or 300
        valid = st.one_of(
            st.text(min_size=1, max_size=40),
            st.integers(max(limit - 2, 0), limit + 2).map(lambda n: "x" * n),
            st.from_regex(r"[0-9]{3} ?[0-9]{3}", fullmatch=True),
            st.from_regex(r"[0-9]{9}", fullmatch=True),
            st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.nl", fullmatch=True),
        )
    return st.one_of(_variants(valid), ANY)


def _ascii_digits(text: str) -> bool:
    return text.isascii()


def expected(field, sent: str):  # noqa: C901, PLR0911, PLR0912 - one case per kind
    text = sent.strip()
    if isinstance(field, core.Flag):
        # Exactly what a ticked box sends, or nothing (or the task list's hidden "0").
        if sent in ("1", "on", "y"):
            return True
        return False if sent in ("", "0") else REFUSE
    if isinstance(field, core.VersionField):
        return (
            int(text)
            if re.fullmatch(r"[0-9]{1,10}", text) and int(text) <= core.MAX_INT
            else REFUSE
        )
    if not text:
        return REFUSE if field.required else None
    if CONTROL.search(text):
        return REFUSE
    if isinstance(field, core.EuroAmount):
        body = text.removeprefix("€").strip()
        if not re.fullmatch(r"[0-9.]+(,[0-9]{1,2})?", body) or len(text) > field.max_length:
            return REFUSE
        euros, _, cents = body.partition(",")
        if "." in euros and not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", euros):
            return REFUSE
        value = int(Decimal(euros.replace(".", "") + "." + (cents or "0")) * 100)
        return value if value <= core.MAX_INT else REFUSE
    if isinstance(field, core.DateValue):
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return REFUSE
        try:
            value = date.fromisoformat(text)
        except ValueError:
            return REFUSE
        return value if core.FIRST_DATE <= value <= core.LAST_DATE else REFUSE
    if isinstance(field, core.WholeNumber):
        if not re.fullmatch(r"-?[0-9]+", text):
            return REFUSE
        value = int(text)
        return value if field.minimum <= value <= field.maximum else REFUSE
    if isinstance(field, core.UuidChoice | core.SubmissionKeyField):
        if not re.fullmatch(r"[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}", text):
            return REFUSE
        return uuid.UUID(text)
    if isinstance(field, core.Choice):
        return text if text in {str(getattr(v, "value", v)) for v in field.values} else REFUSE
    if len(text) > field.max_length:
        return REFUSE
    if isinstance(field, volunteer_forms.Postcode):
        found = re.fullmatch(r"([1-9][0-9]{3}) ?([A-Za-z]{2})", text)
        return f"{found.group(1)} {found.group(2).upper()}" if found else REFUSE
    if isinstance(field, volunteer_forms.PostcodeArea):
        found = re.fullmatch(r"([1-9][0-9]{3})(?: ?[A-Za-z]{2})?", text)
        return found.group(1) if found else REFUSE
    if isinstance(field, volunteer_forms.Email):
        return text if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) else REFUSE
    if isinstance(field, core.TextField):
        return text
    raise AssertionError(f"no oracle for {type(field).__name__}")


def check(field, sent: str) -> None:
    """The property for one field that was sent ``sent`` and validated."""
    if field.errors:
        assert all(str(message).strip() for message in field.errors), field.errors
        return
    if isinstance(field, core._Raw):
        want = expected(field, sent)
        assert want is not REFUSE, (type(field).__name__, sent, field.data)
        assert field.data == want, (sent, field.data, want)
        if isinstance(field.data, int | date) and not isinstance(field.data, bool):
            assert sent.strip().removeprefix("€").isascii(), (sent, field.data)
        return
    if isinstance(field, volunteer_forms.MultiChoice | volunteer_forms.MultiChoiceAny):
        want = sorted({sent.strip()} - {""})
        assert field.data == want, (sent, field.data)
        return
    if isinstance(field, volunteer_forms.MultiId):
        text = sent.strip()
        assert text.isascii(), (sent, field.data)
        assert field.data == ([uuid.UUID(text)] if text else []), (sent, field.data)
        return
    if isinstance(field, core.Field) and type(field).__name__ == "Field":
        return  # a bare hidden field the view reads itself (the form's start time)
    if isinstance(field, SelectField):
        assert field.data == sent, (sent, field.data)
        if field.validate_choice:
            assert sent in [str(c[0]) for c in field.iter_choices()]
        return
    if isinstance(field, StringField | TextAreaField | EmailField | PasswordField):
        want = sent
        for keep in field.filters:
            want = keep(want)
        assert field.data == want, (sent, field.data)
        limit = max_length(field)
        if limit is not None:
            assert len(field.data) <= limit
        if any(
            getattr(v, "regex", None) is not None and r"\d" in v.regex.pattern
            for v in field.validators
        ):
            assert want.isascii(), (sent, field.data)
        return
    raise AssertionError(
        f"no property for {type(field).__name__}: add it to tests/form_property.py"
    )


def page_verdict(sent: str, want, response, row, saved, message) -> str | None:
    """What is wrong with one submission through a page, or None when it was saved as
    sent: a 5xx; a refusal without a message (``message``: the pattern of one) or with a
    row saved anyway; an acceptance of what must be refused; a saved value that differs
    from ``want`` (``expected``'s answer)."""
    shown = repr(sent[:30])
    if response.status_code >= 500:
        return f"{shown}: {response.status_code}"
    if response.status_code >= 400:
        if not message.search(response.get_data(as_text=True)):
            return f"{shown}: {response.status_code} without a message"
        return f"{shown}: refused but saved {saved!r}" if row is not None else ""
    if want is REFUSE:
        return f"{shown}: accepted ({response.status_code}), saved {saved!r}"
    if row is None or saved != want:
        return f"{shown}: saved as {saved!r}, sent for {want!r}"
    return None


class Verdicts:
    """The submissions of one field's page property: the ones saved as sent, and what went
    wrong with the others (``page_verdict``)."""

    def __init__(self) -> None:
        self.accepted: list[str] = []
        self.problems: list[str] = []

    def record(self, sent: str, want, response, row, saved, message) -> None:
        problem = page_verdict(sent, want, response, row, saved, message)
        if problem is None:
            self.accepted.append(sent)
        elif problem:
            self.problems.append(problem)

    def assert_held(self, field: str) -> None:
        assert self.accepted, "no example was saved: the test proves nothing"
        assert not self.problems, f"{field}:\n" + "\n".join(self.problems[:10])
