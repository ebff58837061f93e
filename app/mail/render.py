"""Mail templates: Dutch plain text and HTML from one name, rendered outside a request.

``mail/<name>.txt`` holds two blocks, ``subject`` and ``body``; ``mail/<name>.html``
the HTML body (extending ``mail/layout.html``). Texts are English msgids with the
Dutch in the catalogue, like every other text of the portal; mail is rendered in
the portal's default language (Dutch), whoever triggered it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale

# ASCII digits only: ``\d`` also matches other scripts' digits ("٢٠٢٦-…"), which
# date.fromisoformat refuses, so a text that merely looks like a date broke the mail job.
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def _block(template, name: str, context: dict) -> str:
    return "".join(template.blocks[name](template.new_context(context))).strip()


def with_dates(value):
    """Dates come back from JSON (a job's arguments) as ISO strings; make them dates again."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        return date.fromisoformat(value)
    if isinstance(value, dict):
        return {key: with_dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_dates(item) for item in value]
    return value


def render_mail(template_name: str, context: dict) -> RenderedMail:
    env = current_app.jinja_env
    values = dict(with_dates(context), base_url=current_app.config["PORTAL_BASE_URL"].rstrip("/"))
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")):
        text_template = env.get_template(f"mail/{template_name}.txt")
        subject = " ".join(_block(text_template, "subject", values).split())
        text = _block(text_template, "body", values) + "\n"
        html = env.get_template(f"mail/{template_name}.html").render(values, subject=subject)
    return RenderedMail(subject=subject, text=text, html=html)
