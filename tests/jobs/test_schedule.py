"""The daily plan: release notices keyed to the release date, the task digest, the registry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases.jobs import release_notice_kind
from app.cases.models import CasePhase, DomainStatus
from app.cases.plan.models import Task
from app.core.context import tenant_app_context
from app.core.permissions import Role
from app.extensions import db
from app.jobs import schedule
from app.jobs.schedule import daily, plan_day
from app.mail.backends import sent_messages
from app.notifications.models import Notification
from tests.factories import CaseFactory, LifeDomainFactory, UserFactory

TODAY = date(2027, 3, 1)  # a Monday


@pytest.fixture
def mailbox(app, embedded, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "memory")
    sent = sent_messages(app)
    sent.clear()
    return sent


def notices(app, tenant) -> list[Notification]:
    with app.app_context(), tenant_app_context(tenant.id):
        rows = db.session.scalars(select(Notification).order_by(Notification.created_at)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.mark.parametrize(
    ("days", "kind"),
    [
        (43, None),
        (42, "six_weeks"),
        (15, "six_weeks"),
        (14, "two_weeks"),
        (1, "two_weeks"),
        (0, "today"),
        (-1, None),
    ],
)
def test_the_notice_a_release_date_calls_for(days, kind):
    assert release_notice_kind(TODAY, TODAY + timedelta(days=days)) == kind


def test_six_weeks_before_release_one_notice_however_often_the_plan_runs(
    app, tenants, in_tenant, mailbox
):
    deventer = tenants["deventer"]
    with in_tenant(deventer):
        worker = UserFactory(email="cw@deventer.example")
        case = CaseFactory(case_worker_id=worker.id, expected_release=TODAY + timedelta(days=42))
        LifeDomainFactory(case=case, domain="housing", status=DomainStatus.NOT_ARRANGED.value)
    with app.app_context():
        plan_day(TODAY)
        plan_day(TODAY)
        plan_day(TODAY + timedelta(days=1))  # still in the six-week window: nothing new
    [notice] = notices(app, deventer)
    assert notice.user_id == worker.id and notice.kind == "release_six_weeks"
    assert notice.link == f"/cases/{case.id}"
    assert [m["To"] for m in mailbox] == ["cw@deventer.example"]

    with app.app_context():
        plan_day(TODAY + timedelta(days=28))  # two weeks before: the next notice
        plan_day(TODAY + timedelta(days=42))  # the day itself
    assert [n.kind for n in notices(app, deventer)] == [
        "release_six_weeks",
        "release_two_weeks",
        "release_today",
    ]


def test_a_moved_release_date_gets_its_own_notice(app, tenants, in_tenant, mailbox):
    lochem = tenants["lochem"]
    with in_tenant(lochem):
        worker = UserFactory()
        case = CaseFactory(case_worker_id=worker.id, expected_release=TODAY + timedelta(days=40))
    with app.app_context():
        plan_day(TODAY)
    with app.app_context(), tenant_app_context(lochem.id):
        from app.cases.models import Case

        moved = db.session.get(Case, (lochem.id, case.id))
        moved.expected_release = TODAY + timedelta(days=30)
        db.session.commit()
    with app.app_context():
        plan_day(TODAY)
    assert len(notices(app, lochem)) == 2


def test_no_notice_without_a_case_worker_or_after_release(app, tenants, in_tenant, mailbox):
    raalte = tenants["raalte"]
    with in_tenant(raalte):
        worker = UserFactory()
        CaseFactory(case_worker_id=None, expected_release=TODAY + timedelta(days=10))
        CaseFactory(
            case_worker_id=worker.id,
            expected_release=TODAY + timedelta(days=10),
            phase=CasePhase.CLOSED.value,
        )
    with app.app_context():
        plan_day(TODAY)
    assert notices(app, raalte) == []


def test_the_digest_lists_overdue_and_this_weeks_tasks_of_the_case_workers_cases(
    app, tenants, in_tenant, mailbox
):
    zutphen = tenants["zutphen"]
    with in_tenant(zutphen):
        worker = UserFactory(role=Role.CASE_WORKER.value, email="cw@zutphen.example")
        colleague = UserFactory(role=Role.CASE_WORKER.value)
        mine = CaseFactory(case_worker_id=worker.id, expected_release=TODAY + timedelta(days=90))
        theirs = CaseFactory(case_worker_id=colleague.id, expected_release=None)
        for case, title, due, status in [
            (mine, "Apply for benefit", TODAY - timedelta(days=2), "open"),
            (mine, "Book identity card appointment", TODAY + timedelta(days=4), "open"),
            (mine, "Already done", TODAY - timedelta(days=1), "done"),
            (mine, "Next week", TODAY + timedelta(days=8), "open"),
            (theirs, "Someone else's", TODAY, "open"),
        ]:
            db.session.add(
                Task(
                    case_id=case.id,
                    domain="income",
                    phase="in_detention",
                    title=title,
                    responsible="aftercare_coordinator",
                    due_date=due,
                    status=status,
                )
            )
        db.session.commit()
    with app.app_context():
        plan_day(TODAY)
        plan_day(TODAY)
    digests = [n for n in notices(app, zutphen) if n.kind == "task_digest"]
    [digest] = [n for n in digests if n.user_id == worker.id]
    assert digest.subject == "Uw taken: 1 te laat, 1 deze week te doen"
    assert "Apply for benefit" in digest.body_text
    assert "Book identity card appointment" in digest.body_text
    assert "Already done" not in digest.body_text and "Next week" not in digest.body_text
    assert "Someone else's" not in digest.body_text
    assert [n.user_id for n in digests].count(worker.id) == 1
    # Two notices in one job (the second behind a savepoint): both mails go out, once.
    assert sorted(m["To"] for m in mailbox) == sorted([worker.email, colleague.email])


def test_adding_a_daily_reminder_is_a_few_lines(app, tenants, embedded, monkeypatch):
    monkeypatch.setitem(app.extensions, "nazorg.daily", list(app.extensions["nazorg.daily"]))
    seen: list[tuple[int, date]] = []

    @daily("certificate_renewals", label="certificate renewals")
    def certificate_renewals(tenant_id: int, day: date) -> None:
        seen.append((tenant_id, day))

    schedule.add_daily_jobs(app, certificate_renewals)
    with app.app_context():
        plan_day(TODAY)
    assert sorted(seen) == sorted((t.id, TODAY) for t in tenants.values())


def test_the_daily_plan_by_hand_from_the_command_line(app, tenants, in_tenant, mailbox):
    with in_tenant(tenants["olst-wijhe"]):
        worker = UserFactory()
        CaseFactory(case_worker_id=worker.id, expected_release=TODAY)
    result = app.test_cli_runner().invoke(args=["jobs", "daily", "--date", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "daily plan for 2027-03-01" in result.output
    [notice] = notices(app, tenants["olst-wijhe"])
    assert notice.kind == "release_today"


def test_the_retention_sweep_runs_in_the_daily_plan(app, tenants, in_tenant, embedded):
    from app.core.db import utcnow
    from app.jobs.models import OutboxJob
    from tests.factories import NotificationFactory, OutboxJobFactory

    lochem = tenants["lochem"]
    long_ago = utcnow() - timedelta(days=400)
    with in_tenant(lochem):
        old_read = NotificationFactory(read_at=long_ago)
        unread = NotificationFactory(created_at=long_ago)
        old_done = OutboxJobFactory(done_at=long_ago)
        waiting = OutboxJobFactory(created_at=long_ago, attempts=3)
    with app.app_context():
        plan_day(date.today())
    with app.app_context(), tenant_app_context(lochem.id):
        assert db.session.get(Notification, (lochem.id, old_read.id)) is None
        assert db.session.get(Notification, (lochem.id, unread.id)) is not None
        assert db.session.get(OutboxJob, (lochem.id, old_done.id)) is None
        assert db.session.get(OutboxJob, (lochem.id, waiting.id)) is not None  # never done


def test_failed_jobs_are_named_in_dutch():
    from app import create_app
    from app.jobs.labels import job_label

    with create_app("testing").test_request_context():
        assert job_label("app.notifications.jobs.send_notification_mail", {}) == "Melding mailen"
        assert (
            job_label("app.jobs.schedule.run_daily_reminder", {"name": "release_notices"})
            == "Dagelijkse herinnering: vrijlatingsmeldingen"
        )
        assert job_label("tests.jobs.sample_jobs.record", {}) == "record"
