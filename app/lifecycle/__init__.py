"""A municipality joins, takes its data along, and leaves (``flask tenants --help``).

A feature above ``auth`` and ``cases``: onboarding creates the first admin and the
file's defaults through their ``api`` modules. The tables a municipality owns come from
the metadata (``catalogue.py``), never from a list.
"""

from __future__ import annotations

from flask import Flask

from app.lifecycle import models  # noqa: F401 - the destruction record's table
from app.lifecycle.cli import register_cli


def init_app(app: Flask) -> None:
    register_cli(app)
