"""The panels of the case page: what a feature shows on the file, registered in its
``init_app`` (``add_case_panel``; other features reach it through ``app.cases.api``).

A panel gives the names its template reads (``context(case)``) and, for a feature's own
panel, the template the case page includes after the file's sections. The case page
knows no panel by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from app.core.registry import entries

REGISTRY = "case_panels"


@dataclass(frozen=True)
class CasePanel:
    name: str
    context: Callable[[object], dict]
    template: str | None = None
    order: int = 100


def add_case_panel(
    app: Flask,
    name: str,
    context: Callable[[object], dict],
    *,
    template: str | None = None,
    order: int = 100,
) -> None:
    registered = entries(REGISTRY, app)
    if any(panel.name == name for panel in registered):
        raise ValueError(f"a case panel named {name!r} exists already")
    registered.append(CasePanel(name, context, template, order))


def panel_context(case) -> dict:
    """Every panel's names for ``case``, and ``case_panels``: the templates to include."""
    panels = sorted(entries(REGISTRY), key=lambda panel: panel.order)
    context: dict = {}
    for panel in panels:
        context.update(panel.context(case))
    context["case_panels"] = [panel.template for panel in panels if panel.template]
    return context
