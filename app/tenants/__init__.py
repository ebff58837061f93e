"""Tenants: the five municipalities (the model is core's, ``app.core.tenants``), the
current municipality in every page; tenant administration comes later."""

from __future__ import annotations

from flask import Flask

from app.tenants.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
