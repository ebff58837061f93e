"""Mail: Dutch plain-text and HTML templates, sent by a job over SMTP.

``send_mail(tenant_id, to, template_name, context)`` is what other modules call
(invitations, password resets, notices). It records a mail job in the outbox of
the current transaction when the session is bound to that tenant, or in a
transaction of its own otherwise; the job is handed to the ``mail`` queue after
the commit, or sent inline without Redis. ``context`` must be plain JSON values.
Templates: ``app/templates/mail/<template_name>.txt`` (blocks ``subject`` and
``body``) and ``.html``.
"""

from __future__ import annotations

import uuid

from app.core.context import tenant_app_context
from app.core.tenancy import TenantViolation, current_tenant_id
from app.extensions import db
from app.jobs import enqueue
from app.mail.jobs import send_template_mail

__all__ = ["send_mail"]


def send_mail(tenant_id: int, to: str, template_name: str, context: dict) -> uuid.UUID:
    """Send ``mail/<template_name>`` to ``to``; returns the id of the outbox row."""
    arguments = {"to": to, "template": template_name, "context": context}
    bound = current_tenant_id(db.session())
    if bound == tenant_id:
        return enqueue(send_template_mail, **arguments).id
    if bound is not None:
        raise TenantViolation("send_mail for another tenant than the session's")
    with tenant_app_context(tenant_id):
        outbox_id = enqueue(send_template_mail, **arguments).id
        db.session.commit()
        return outbox_id


def init_app(app) -> None:
    """Mail brings no routes: its job is found by its path (``app.mail.jobs``)."""
