"""Components of the NL Design System drawn often enough on a page to be Python.

A Jinja macro call costs some sixty function calls before it writes a character; the case
page draws a button in every row of its plan (measured 2026-12-07). The templates still
import these from their macro file (``{% from "macros/buttons.html" import button %}``),
which exports the function under the macro's name: one way to draw each.
"""

from __future__ import annotations

from markupsafe import Markup, escape


def button(
    text, kind="primary", type="submit", testid=None, name=None, value=None, small=False
) -> Markup:
    """``utrecht-button`` of kind primary, secondary or subtle (``<button>``)."""
    classes = f"utrecht-button utrecht-button--{kind}"
    if kind != "subtle":
        classes += "-action"
    if small:
        classes += " portal-small"
    attributes = f' type="{escape(type)}" class="{escape(classes)}"'
    if name:
        attributes += f' name="{escape(name)}"'
    if value is not None:
        attributes += f' value="{escape(value)}"'
    if testid:
        attributes += f' data-testid="{escape(testid)}"'
    return Markup(f"<button{attributes}>{escape(text)}</button>")  # noqa: S704 - escaped above


def register(app) -> None:
    app.jinja_env.globals["portal_button"] = button
