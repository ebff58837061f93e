"""Volunteers, screening, circles and the mentor portal (built in a later issue)."""

from __future__ import annotations

from flask import Flask

from app.volunteers.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
