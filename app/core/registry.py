"""Per-application registries that features fill in their ``init_app``.

Each registry is a list kept in ``app.extensions``, so two apps in one process (the test
suite makes many) never see each other's entries, and a feature that is not listed in
``create_app`` contributes nothing.
"""

from __future__ import annotations

from flask import Flask, current_app


def entries(name: str, app: Flask | None = None) -> list:
    """The registry ``name`` of ``app`` (the current app by default), created empty."""
    app = app or current_app
    return app.extensions.setdefault(f"nazorg.{name}", [])
