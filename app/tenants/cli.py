from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("load-demo")
    def load_demo() -> None:
        """Load the demo data (idempotent)."""
        from app.demo import load_demo_data

        counts = load_demo_data()
        for slug, clients in counts.items():
            click.echo(f"{slug}: {clients} new demo clients")
