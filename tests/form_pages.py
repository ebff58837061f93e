"""The view-level form property for forms that change a row (or add one without a
submission key), and for forms whose only input is a choice or a decision.

``hold`` runs one field's property: before each submission ``fresh()`` makes the world
the page works on (a new row where a decision can be taken once), ``state(world)`` is
read before and after the POST, and ``saved(world)`` is what the field's value became.
The verdict is ``tests.form_property``'s: a 5xx, a refusal without a message, a refusal
that changed the state, an acceptance of what must be refused, or a stored value other
than the one the field's text denotes is a problem. A refusal of a valid value with a
message (a rule of the service: a phase that cannot start yet) is allowed; the example
given as ``valid`` must be saved, so the test can tell a save from a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from tests import form_property
from tests.cases.test_forms_property import MESSAGE, PROPERTY
from tests.csrf import csrf_token

REFUSE = form_property.REFUSE


class ChangeVerdicts(form_property.Verdicts):
    """``Verdicts`` for a page that changes what exists: a refusal must leave the state as
    it was; an acceptance must leave the field's value as the oracle says."""

    def record_change(self, sent: str, want, response, before, after, saved) -> None:
        shown = repr(sent[:30]) + ("…" if len(sent) > 30 else "")
        status = response.status_code
        if status >= 500:
            self.problems.append(f"{shown}: {status}")
        elif status >= 400:
            if not MESSAGE.search(response.get_data(as_text=True)):
                self.problems.append(f"{shown}: {status} without a message")
            elif after != before:
                self.problems.append(f"{shown}: refused ({status}) but changed to {after!r}")
        elif want is REFUSE:
            self.problems.append(f"{shown}: accepted ({status}), saved {saved!r}")
        elif saved != want:
            self.problems.append(f"{shown}: saved as {saved!r}, sent for {want!r}")
        else:
            self.accepted.append(sent)


def hold(
    name: str,
    values: st.SearchStrategy[str],
    valid: str,
    *,
    fresh: Callable[[], Any],
    post: Callable[[Any, str, bool], Any],
    state: Callable[[Any], Any],
    saved: Callable[[Any], Any],
    want: Callable[[Any, str], Any],
    also: tuple[str, ...] = (),
) -> None:
    """The property of one field: ``post(world, sent, htmx)`` submits the page with the
    field set to ``sent``; ``want(world, sent)`` is the oracle (``REFUSE`` or the value).
    ``also``: values every run tries (what a crafted request would send)."""
    verdicts = ChangeVerdicts()

    def check(sent: str, htmx: bool) -> None:
        world = fresh()
        before = state(world)
        response = post(world, sent, htmx)
        after = state(world)
        verdicts.record_change(sent, want(world, sent), response, before, after, saved(world))

    check = given(sent=values, htmx=st.booleans())(check)
    # The valid value always runs: the test can tell a save from a refusal.
    for value in (valid, *also):
        check = example(sent=value, htmx=False)(check)
    PROPERTY(check)()
    verdicts.assert_held(name)


def field_oracle(bound, when_empty=None) -> Callable[[Any, str], Any]:
    """The field-level oracle (``form_property.expected``), with what an empty optional
    field stores when that is not None (the services keep "" for no text)."""

    def want(_world, sent: str):
        value = form_property.expected(bound, sent)
        return when_empty if value is None else value

    return want


def multi_oracle(allowed: Callable[[Any], set[str]]) -> Callable[[Any, str], Any]:
    """One ticked value of a list of checkboxes: stored as the one value when it is one of
    ``allowed(world)``, nothing when empty, refused otherwise (never dropped in silence)."""

    def want(world, sent: str):
        text = sent.strip()
        if not text:
            return []
        return [text] if text in allowed(world) else REFUSE

    return want


def multi_values(choices: list[str]) -> st.SearchStrategy[str]:
    """The choices of a list of checkboxes, and what a crafted request could send."""
    return st.one_of(
        st.sampled_from(choices),
        st.sampled_from(choices).map(lambda t: f" {t} "),
        st.sampled_from(choices).map(str.upper),
        st.sampled_from(["", "  ", "x", "\x00", "١"]),
        st.text(max_size=20),
    )


def htmx_headers(client, page: str) -> Callable[[bool], dict]:
    """The CSRF header of ``page``'s form, with htmx's request header when asked: the page
    properties send every other POST as htmx."""
    token = csrf_token(client, page)

    def headers(htmx: bool) -> dict:
        return {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}

    return headers


def bound_field(app, form_class, field: str):
    """``form_class``'s field ``field``, bound as on a POST (its validators and limits)."""
    with app.test_request_context(method="POST"):
        return form_class()[field]
