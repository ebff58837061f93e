"""The mail job (queue ``mail``): a template to an address."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.jobs import job
from app.mail.backends import build_message, deliver
from app.mail.render import render_mail


@job("mail", label=_l("Send a mail"))
def send_template_mail(tenant_id: int, to: str, template: str, context: dict) -> None:
    deliver(build_message(to, render_mail(template, context)))
