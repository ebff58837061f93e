"""Mail: Dutch templates, sent by a job, arriving at a real SMTP server run by the test."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from app.cases.models import DomainStatus
from app.core.context import tenant_app_context
from app.extensions import db
from app.jobs.schedule import plan_day
from app.mail import send_mail
from app.mail.backends import sent_messages
from app.mail.render import with_dates
from app.notifications.models import Notification
from tests.factories import CaseFactory, LifeDomainFactory, UserFactory
from tests.jobs.worker_process import mail_through_a_worker

ROOT = Path(__file__).resolve().parents[2]


def release_in_six_weeks(in_tenant, tenant, today: date):
    with in_tenant(tenant):
        worker = UserFactory(email="casemanager@lochem.example")
        case = CaseFactory(case_worker_id=worker.id, expected_release=today + timedelta(days=42))
        LifeDomainFactory(case=case, domain="housing", status=DomainStatus.NOT_ARRANGED.value)
        LifeDomainFactory(case=case, domain="identity", status=DomainStatus.ARRANGED.value)
    return worker, case


def notices(app, tenant) -> int:
    with app.app_context(), tenant_app_context(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Notification))


def assert_dutch_release_mail(message, case, today):
    assert message["To"] == "casemanager@lochem.example"
    assert message["Subject"].startswith("Vrijlating binnen zes weken: ")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Deze leefgebieden zijn nog niet geregeld:" in text
    assert "- Huisvesting: Niet geregeld" in text
    assert "Identiteitsbewijs" not in text  # arranged: not listed
    assert f"/cases/{case.id}" in text
    assert "<li>Huisvesting: Niet geregeld</li>" in html


@pytest.mark.redis
def test_release_notice_mail_arrives_once_over_smtp_from_a_worker_process(
    app, tenants, in_tenant, own_redis, smtp_server, tmp_path
):
    """The daily plan runs twice; a real worker process runs the jobs and sends the mail."""
    today = date.today()
    lochem = tenants["lochem"]
    _worker, case = release_in_six_weeks(in_tenant, lochem, today)
    with app.app_context():
        plan_day(today)
        plan_day(today)
    mail_through_a_worker(app, own_redis, smtp_server, tmp_path / "worker.log")
    assert notices(app, lochem) == 1
    [message] = smtp_server.messages
    assert_dutch_release_mail(message, case, today)
    assert smtp_server.envelopes[0][1] == ["casemanager@lochem.example"]


def test_without_redis_the_same_notice_is_mailed_inline(
    app, tenants, in_tenant, embedded, smtp_server
):
    today = date.today()
    lochem = tenants["lochem"]
    _worker, case = release_in_six_weeks(in_tenant, lochem, today)
    with app.app_context():
        plan_day(today)
        plan_day(today)
    assert notices(app, lochem) == 1
    [message] = smtp_server.messages
    assert_dutch_release_mail(message, case, today)
    with app.app_context(), tenant_app_context(lochem.id):
        notice = db.session.scalars(select(Notification)).one()
        assert notice.subject == message["Subject"]  # the portal shows the mail's content
        mailed_text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert notice.body_text.strip() == mailed_text.strip()
        assert notice.mailed_at is not None
        assert message["Message-ID"] == f"<notification-{notice.id}@127.0.0.1>"


def test_send_mail_outside_a_tenant_session_uses_a_transaction_of_its_own(
    app, tenants, embedded, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "memory")
    sent = sent_messages(app)
    sent.clear()
    with app.app_context():
        send_mail(
            tenants["raalte"].id,
            "vrijwilliger@example.invalid",
            "release_notice",
            {"kind": "today", "release_date": "2027-01-09", "open_domains": [], "link": "/x"},
        )
    [message] = sent
    assert message["Subject"].startswith("Vandaag vrijlating")
    assert "Alle leefgebieden zijn geregeld." in message.get_body(("plain",)).get_content()


def test_the_folder_backend_writes_one_file_per_message(
    app, tenants, embedded, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "folder")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path))
    with app.app_context():
        send_mail(
            tenants["raalte"].id,
            "a@example.invalid",
            "task_digest",
            {"overdue": [], "this_week": [], "week_end": "2027-01-10"},
        )
    [written] = list(tmp_path.glob("*.eml"))
    assert b"Subject: Uw taken: 0 te laat, 0 deze week te doen" in written.read_bytes()


def test_every_text_of_the_mail_templates_is_translated():
    found = {
        message
        for _f, _l, message, _c, _x in extract_from_dir(
            str(ROOT / "app" / "templates" / "mail"), [("**.txt", "jinja2"), ("**.html", "jinja2")]
        )
    }
    with open(ROOT / "app/translations/nl/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="nl")
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    assert found and sorted(found - translated) == []


def test_a_job_argument_becomes_a_date_only_when_written_in_ascii_digits() -> None:
    arabic_indic = "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0662"  # looks like a date
    values = with_dates({"on": "2026-01-02", "text": arabic_indic, "list": ["2026-13-01x"]})
    assert values == {"on": date(2026, 1, 2), "text": arabic_indic, "list": ["2026-13-01x"]}
