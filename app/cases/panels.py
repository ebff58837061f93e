"""The panels of the case page: what a feature shows on the file, registered in its
``init_app`` (``add_case_panel``; other features reach it through ``app.cases.api``).

A panel is a section below the plan and the notes: its name (the section's id and its
address, ``/cases/<id>/panels/<name>``), its title (the section's heading), the names its
template reads (``context(case)``) and the template of the section's content. The case page
knows no panel by name.

Panels come on demand (issue 14): the case page shows each panel's heading and, in place of
its content, a link that htmx follows once the panel scrolls into view; the panel's
``context`` is then not called. A panel is shown at once (``open``) when the user asked for
it (``?open=name``, the link without JavaScript, the redirect after one of its forms), or
when one of its forms is shown again with its errors (``errors``: the names under which the
views pass them). ``shown`` (cheap: no statements) leaves a panel off the page for a case or
a user it does not concern.

The forms that the page keeps folded (``<details>``: editing the case's details, adding a
task) come on demand by the same rule (``FORMS``): folded, the page holds a link in their
place that htmx follows when the user unfolds them (``/cases/<id>/forms/<name>``, the
form; without JavaScript the case page with the form unfolded), and what only the form
reads (the team's case workers) is not read. They were a fifth of the page's rendering
for a form most views never open (measured 2026-12-07).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Flask, url_for

from app.core.registry import entries

REGISTRY = "case_panels"


@dataclass(frozen=True)
class CasePanel:
    name: str
    title: object  # a lazy string: the section's heading
    context: Callable[[object], dict]
    template: str
    order: int = 100
    errors: tuple[str, ...] = ()
    shown: Callable[[object], bool] | None = None

    def is_shown(self, case) -> bool:
        return self.shown is None or self.shown(case)


def add_case_panel(
    app: Flask,
    name: str,
    context: Callable[[object], dict],
    *,
    title,
    template: str,
    order: int = 100,
    errors: Iterable[str] = (),
    shown: Callable[[object], bool] | None = None,
) -> None:
    registered = entries(REGISTRY, app)
    if any(panel.name == name for panel in registered):
        raise ValueError(f"a case panel named {name!r} exists already")
    registered.append(CasePanel(name, title, context, template, order, tuple(errors), shown))


def panels_of(case) -> list[CasePanel]:
    """The panels the case page shows for ``case``, in their order."""
    return sorted(
        (panel for panel in entries(REGISTRY) if panel.is_shown(case)),
        key=lambda panel: panel.order,
    )


def find_panel(case, name: str) -> CasePanel | None:
    """The panel called ``name`` if the case page shows it for ``case``."""
    return next((panel for panel in panels_of(case) if panel.name == name), None)


def open_names(raw: str | None) -> set[str]:
    """The panels ``?open=`` names (comma separated); unknown names are left to the page."""
    return {name.strip() for name in (raw or "").split(",") if name.strip()}


def panel_context(case, open_panels: Iterable[str] | None = None, shown: dict | None = None):
    """The names of the open panels' templates for ``case``, and ``case_panels``: each
    panel with whether it is open. ``open_panels`` None opens every panel (the PDF); a
    panel is open too when ``shown`` (the page's other names) holds one of its errors."""
    context: dict = {}
    listed = []
    for panel in panels_of(case):
        is_open = _is_open(panel.name, panel.errors, open_panels, shown)
        if is_open:
            context.update(panel.context(case))
        listed.append((panel, is_open))
    context["case_panels"] = listed
    return context


# A folded form of the case page -> the name under which the views pass its errors.
FORMS = {"edit-details": "detail_errors", "add-task": "task_errors"}


def open_forms(open_panels: Iterable[str] | None, shown: dict | None = None) -> set[str]:
    """The folded forms the page shows unfolded, by the panels' rule."""
    return {name for name, errors in FORMS.items() if _is_open(name, (errors,), open_panels, shown)}


def _is_open(name: str, errors: Iterable[str], open_panels, shown: dict | None) -> bool:
    """Asked for (``open_panels``; None asks for all), or come back with one of its
    ``errors`` among the page's names (``shown``: a refused form of its own)."""
    return (
        open_panels is None
        or name in open_panels
        or any((shown or {}).get(error) for error in errors)
    )


def case_page_url(case_id, anchor: str = "") -> str:
    """The case page's address at ``anchor`` (``"#name"``); a panel's anchor opens that
    panel (``?open=name``), so that the user lands on the panel a form of theirs sent."""
    url = url_for("cases.case_detail", case_id=case_id)
    name = anchor.removeprefix("#")
    if name and any(panel.name == name for panel in entries(REGISTRY)):
        url += "?" + urlencode({"open": name})
    return url + anchor
