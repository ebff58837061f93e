"""Delivering a message: SMTP (production and CI), a folder (development), memory (tests)."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app

from app.mail.render import RenderedMail


def build_message(to: str, mail: RenderedMail, key: str | None = None) -> EmailMessage:
    """The message; ``key`` (e.g. a notification's id) makes the Message-ID stable, so
    that a mail sent again after a failed commit is recognisable as the same one."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    host = urlsplit(config["PORTAL_BASE_URL"]).hostname or "nazorgportaal"
    message["Message-ID"] = f"<{key}@{host}>" if key else make_msgid(domain=host)
    message["Content-Language"] = "nl"
    message.set_content(mail.text, charset="utf-8")
    message.add_alternative(mail.html, subtype="html", charset="utf-8")
    return message


def deliver(message: EmailMessage) -> None:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        _smtp(message)
    elif backend == "folder":
        _folder(message)
    elif backend == "memory":
        sent_messages(current_app).append(message)
    else:
        raise ValueError(f"unknown MAIL_BACKEND {backend!r}")


def _smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(
        config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=config["MAIL_TIMEOUT_SECONDS"]
    ) as smtp:
        if config["MAIL_USE_STARTTLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _folder(message: EmailMessage) -> None:
    folder = Path(current_app.config["MAIL_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))


def sent_messages(app: Flask) -> list[EmailMessage]:
    """The messages of the memory backend (tests that do not run an SMTP server)."""
    return app.extensions.setdefault("nazorg_sent_mail", [])
