"""The page-level form property of one field, for the forms whose test submits through the
page and then reads the database (``VIEW_LEVEL`` in tests/form_registry.py).

``hold(bound, valid, submit)`` generates the field's values (``form_property.values_for``,
plus ``valid``, so that the test can tell a save from a refusal, and texts at and one past
the field's limit) and calls
``submit(sent) -> Outcome``: the response, the stored state before and after (``None``
after: nothing was stored) and the field's stored value. The verdict:

- never a 5xx;
- a 4xx carries a message on the page, and the stored state did not change;
- an answer below 400 stored what the field's text denotes (``form_property.expected``, or
  the test's own ``want``), and only for a value the field does not refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import example, given

from app.core import forms as core
from tests import form_property
from tests.cases.test_forms_property import MESSAGE, PROPERTY


@dataclass
class Outcome:
    response: Any
    before: Any
    after: Any
    saved: Any


def verdict(sent: str, want, outcome: Outcome) -> str | None:
    """What is wrong with one submission, "" for a proper refusal, None for a proper save."""
    shown = repr(sent[:30])
    status = outcome.response.status_code
    if status >= 500:
        return f"{shown}: {status}"
    if status >= 400:
        if not MESSAGE.search(outcome.response.get_data(as_text=True)):
            return f"{shown}: {status} without a message"
        if outcome.after != outcome.before:
            return f"{shown}: refused ({status}) but changed to {outcome.after!r}"[:300]
        return ""
    if want is form_property.REFUSE:
        return f"{shown}: accepted ({status}), saved {outcome.saved!r}"[:300]
    if outcome.after is None or outcome.saved != want:
        return f"{shown}: saved as {outcome.saved!r}, sent for {want!r}"[:300]
    return None


def edge_examples(bound) -> list[str]:
    """A text at its field's limit (kept whole, multi-byte letters included) and one past
    it (refused): the generated values reach the limit only now and then, and a cut below
    the limit would go unseen."""
    limit = form_property.max_length(bound)
    if limit is None or isinstance(bound, core.EuroAmount) or limit > 20_000:
        return []
    return ["é" * limit, " " + "x" * limit + " ", "x" * (limit + 1)]


def hold(
    bound,
    valid: str,
    submit: Callable[[str], Outcome],
    *,
    want: Callable[[str], Any] | None = None,
    name: str = "",
) -> Held:
    """The property for one field (``bound``: the form's field, for values and oracle):
    every example submitted and judged; the test asserts on what this returns."""
    accepted: list[str] = []
    problems: list[str] = []

    def check(sent: str) -> None:
        outcome = submit(sent)
        expected = want(sent) if want is not None else form_property.expected(bound, sent)
        problem = verdict(sent, expected, outcome)
        if problem is None:
            accepted.append(sent)
        elif problem:
            problems.append(problem)

    run = given(sent=form_property.values_for(bound))(check)
    for sent in reversed([valid, *edge_examples(bound)]):
        run = example(sent=sent)(run)
    PROPERTY(run)()
    return Held(name, accepted, problems)


@dataclass
class Held:
    """What one field's examples came to: the values saved as sent, and what went wrong
    with the others. A field none of whose examples was saved proves nothing."""

    name: str
    saved: list[str]
    problems: list[str]

    @property
    def report(self) -> str:
        if not self.saved:
            return f"{self.name}: no example was saved, the test proves nothing"
        return f"{self.name}:\n" + "\n".join(self.problems[:10])


# --- forms that store nothing: the normal next step, or a page with a message ------------------

# The pages' messages: an alert, a field's error.
NEXT_STEP_MESSAGE = re.compile(r'role="alert"|utrecht-form-field-error-message|error-message')


def goes_to(path: str) -> Callable[[Any], bool]:
    """Whether an answer is a redirect to ``path`` (its query aside)."""
    return lambda response: (
        response.status_code in (301, 302, 303)
        and response.headers["Location"].split("?")[0].endswith(path)
    )


@dataclass
class Answers:
    """The answers of one field's submissions to a form that stores nothing: the ones that
    went on to the normal next step, and what went wrong with the others (a 5xx, another
    redirect, a page without a message, or a change that only the next step may make)."""

    next_steps: list
    problems: list

    def judge(self, sent: str, response, normal: Callable[[Any], bool], changed) -> None:
        shown = repr(sent[:30])
        status = response.status_code
        went_on = normal(response)
        if status >= 500:
            self.problems.append(f"{shown}: {status}")
        elif went_on:
            self.next_steps.append(sent)
        elif status in (301, 302, 303):
            self.problems.append(f"{shown}: redirected to {response.headers['Location']}")
        elif not NEXT_STEP_MESSAGE.search(response.get_data(as_text=True)):
            self.problems.append(f"{shown}: {status} without a message")
        if changed and not went_on:
            self.problems.append(f"{shown}: changed what only the next step may change")

    def report(self, field: str) -> str:
        if not self.next_steps:
            return f"{field}: no example went on: the test proves nothing"
        return f"{field}:\n" + "\n".join(self.problems[:10])
