"""The mails of local accounts: invitation and password reset links."""

from __future__ import annotations

from app.mail import send_mail


def send_account_link(tenant_id: int, to: str, kind: str, link: str, name: str) -> None:
    """``link`` is a path; the mail puts ``PORTAL_BASE_URL`` before it, never the host the
    request named (a forged Host header must not send a reset token to another site)."""
    if "://" in link:
        raise ValueError("send_account_link takes a path, not a full URL")

    send_mail(tenant_id, to, f"auth/{kind}", {"link": link, "name": name})
