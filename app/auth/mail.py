"""The mails of local accounts: invitation and password reset links."""

from __future__ import annotations


def send_account_link(tenant_id: int, to: str, kind: str, link: str, name: str) -> None:
    from app.mail import send_mail

    send_mail(tenant_id, to, f"auth/{kind}", {"link": link, "name": name})
