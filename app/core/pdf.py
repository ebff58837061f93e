"""The one way to make a PDF: a print template rendered by WeasyPrint, with no network."""

from __future__ import annotations

from flask import render_template


def render_pdf(template: str, **context) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_template(template, **context), base_url=None).write_pdf()
