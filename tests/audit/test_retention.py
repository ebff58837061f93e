"""Retention: a destruction date on each record, a daily sweep, a list without personal data."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from app.audit import retention
from app.audit.models import AccessLogEntry, DestructionRecord
from app.audit.retention import current_policy
from app.auth.models import SecurityEvent
from app.cases import notes, phases
from app.cases.intake.models import IntakeMessage
from app.cases.models import Case, CasePhase, Client, LifeDomain
from app.cases.notes import Note, NoteRevision
from app.cases.timeline import TimelineEntry
from app.core.permissions import Role
from app.core.settings import get_setting, set_setting
from app.extensions import db
from app.jobs.models import OutboxJob
from app.notifications.models import Notification
from tests.factories import (
    CaseFactory,
    LifeDomainFactory,
    NotificationFactory,
    OutboxJobFactory,
    UserFactory,
)
from tests.form_values import form_values

TODAY = date(2026, 11, 29)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def make_closed_case(in_tenant, tenant, closed_on: date, **client):
    with freeze_time(closed_on), in_tenant(tenant):
        worker = UserFactory()
        case = CaseFactory(client__family_name="Vergetenaar", client__bsn="111222333", **client)
        LifeDomainFactory(case=case, domain="care", need="Medicatie")
        note = notes.add_note(case, worker, "Eerste notitie")
        db.session.flush()
        notes.edit_note(note, worker, "Tweede versie", expected_version=note.version)
        db.session.add(IntakeMessage(message_key=f"msg-{case.id}", source="api", case_id=case.id))
        phases.change_phase(case, CasePhase.CLOSED, worker, "Nazorg afgerond")
        NotificationFactory(user=worker, link=f"/cases/{case.id}", dedupe_key=f"release:{case.id}")
        OutboxJobFactory(
            function="app.cases.jobs.release_notice_for_case",
            queue="default",
            arguments={"case_id": str(case.id)},
        )
        db.session.commit()
        return case


def sweep(in_tenant, tenant, today=TODAY):
    with in_tenant(tenant):
        records = retention.sweep(today)
        db.session.commit()
        return [(r.rule, r.record_type, dict(r.counts)) for r in records]


def test_a_closed_case_past_its_date_is_destroyed_with_all_that_hangs_on_it(tenants, in_tenant):
    deventer = tenants["deventer"]
    case = make_closed_case(in_tenant, deventer, TODAY - timedelta(days=365 * 10 + 5))
    done = sweep(in_tenant, deventer)
    assert [(rule, kind) for rule, kind, _counts in done] == [("closed_case", "case")]
    with in_tenant(deventer):
        for model in (
            Case,
            Client,
            LifeDomain,
            Note,
            NoteRevision,
            TimelineEntry,
            IntakeMessage,
            Notification,
            OutboxJob,
        ):
            assert count(model) == 0, model.__tablename__
        record = db.session.scalars(select(DestructionRecord)).one()
    dumped = json.dumps({"id": record.record_id, "counts": record.counts, "rule": record.rule})
    assert "Vergetenaar" not in dumped and "111222333" not in dumped
    assert record.record_id == str(case.id)
    assert record.counts["cases"] == 1 and record.counts["clients"] == 1
    assert record.counts["case_note_revisions"] >= 1
    assert sweep(in_tenant, deventer) == []  # a second run destroys nothing


def test_a_case_within_its_period_keeps_and_shows_its_destruction_date(tenants, in_tenant):
    lochem = tenants["lochem"]
    closed = TODAY - timedelta(days=365 * 9)
    make_closed_case(in_tenant, lochem, closed)
    with in_tenant(lochem):
        CaseFactory()  # an open case gets no date
        db.session.commit()
    assert sweep(in_tenant, lochem) == []
    with in_tenant(lochem):
        dates = sorted(db.session.scalars(select(Case.destroy_on)).all(), key=str)
    assert dates[0] is None or dates[1] is None
    assert date(closed.year + 10, closed.month, closed.day) in dates


def test_reopening_clears_the_destruction_date(tenants, in_tenant):
    raalte = tenants["raalte"]
    case = make_closed_case(in_tenant, raalte, TODAY - timedelta(days=365 * 11))
    with in_tenant(raalte):
        case = db.session.get(Case, (case.tenant_id, case.id))
        phases.change_phase(case, CasePhase.REOPENED, "test", None)
        db.session.commit()
    assert sweep(in_tenant, raalte) == []
    with in_tenant(raalte):
        assert db.session.scalars(select(Case.destroy_on)).one() is None


def test_the_period_is_per_municipality(tenants, in_tenant):
    zutphen = tenants["zutphen"]
    make_closed_case(in_tenant, zutphen, TODAY - timedelta(days=365 * 3))
    with in_tenant(zutphen):
        set_setting("retention.closed_case_years", 2)
        db.session.commit()
    assert [rule for rule, _k, _c in sweep(in_tenant, zutphen)] == ["closed_case"]


def test_detention_notices_go_six_months_after_release(tenants, in_tenant):
    olst = tenants["olst-wijhe"]
    with in_tenant(olst):
        released = CaseFactory(actual_release=TODAY - timedelta(days=200))
        recent = CaseFactory(actual_release=TODAY - timedelta(days=30))
        for case in (released, recent):
            db.session.add(IntakeMessage(message_key=f"m-{case.id}", source="api", case_id=case.id))
        db.session.commit()
    done = sweep(in_tenant, olst)
    assert done == [("detention_notice", "intake_message", {"intake_messages": 1})]
    with in_tenant(olst):
        assert db.session.scalars(select(IntakeMessage.case_id)).all() == [recent.id]
        assert count(Case) == 2  # the files themselves stay


def test_old_log_rows_are_purged_and_recent_ones_kept(app, tenants, in_tenant):
    deventer = tenants["deventer"]
    old = datetime(2020, 1, 1, tzinfo=UTC)
    with in_tenant(deventer):
        actor = UserFactory(role=Role.CASE_WORKER.value)
        for moment in (old, datetime.now(UTC)):
            db.session.add(
                AccessLogEntry(
                    occurred_at=moment,
                    user_id=actor.id,
                    user_name="x",
                    actor_tenant_id=1,
                    role="case_worker",
                    object_type="case",
                    action="read",
                    result="granted",
                )
            )
            db.session.add(SecurityEvent(occurred_at=moment, event="sign_in", result="success"))
        db.session.commit()
    done = sweep(in_tenant, deventer)
    assert sorted(rule for rule, _k, _c in done) == ["access_log", "security_log"]
    with in_tenant(deventer):
        assert count(AccessLogEntry) == 1 and count(SecurityEvent) == 1


@pytest.mark.postgres
def test_the_purge_function_never_removes_the_last_year_nor_without_a_tenant(app, tenants):
    import psycopg

    from tests.conftest import DATABASE_URL

    url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    with (
        psycopg.connect(url) as connection,
        connection.cursor() as cursor,
        pytest.raises(psycopg.errors.RaiseException, match="no tenant"),
    ):
        cursor.execute("SELECT purge_access_log(now() - interval '5 years')")
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.tenant_id', '1', true)")
        with pytest.raises(psycopg.errors.RaiseException, match="last year"):
            cursor.execute("SELECT purge_access_log(now())")


@pytest.mark.postgres
@pytest.mark.redis
def test_the_daily_job_removes_the_case_from_the_database_and_redis(app, tenants, in_tenant):
    from app.jobs import queue
    from app.jobs.outbox import sweep as hand_over_waiting
    from app.jobs.schedule import run_daily_reminder

    deventer = tenants["deventer"]
    case = make_closed_case(in_tenant, deventer, TODAY - timedelta(days=365 * 11))
    with app.app_context():
        assert hand_over_waiting(grace_seconds=0) == 1  # the case's job goes to Redis
        with in_tenant(deventer):
            (job_id,) = db.session.scalars(select(OutboxJob.id)).all()
        assert queue.fetch_job(job_id) is not None
        with in_tenant(deventer):
            run_daily_reminder(deventer.id, name="privacy_retention", day=TODAY.isoformat())
            db.session.commit()
        assert queue.fetch_job(job_id) is None
    with in_tenant(deventer):
        assert db.session.get(Case, (case.tenant_id, case.id)) is None
        listed = db.session.scalars(select(DestructionRecord.record_id)).all()
    assert listed == [str(case.id)]


def test_the_privacy_officer_sees_the_list_and_the_admin_sets_the_periods(
    app, tenants, in_tenant, sign_in
):
    from tests.csrf import csrf_token

    deventer = tenants["deventer"]
    make_closed_case(in_tenant, deventer, TODAY - timedelta(days=365 * 11))
    sweep(in_tenant, deventer)
    with in_tenant(deventer):
        officer = UserFactory(role=Role.PRIVACY_OFFICER.value)
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    page = sign_in(officer).get("/privacy/vernietigingslijst").get_data(as_text=True)
    assert "Afgesloten dossier" in page and "Vergetenaar" not in page
    client = sign_in(admin)
    token = csrf_token(client, "/privacy/bewaartermijnen")
    shown = form_values(client, "/privacy/bewaartermijnen")
    bad = client.post(
        "/privacy/bewaartermijnen",
        data={
            **shown,
            "csrf_token": token,
            "closed_case_years": "0",
            "detention_notice_months": "6",
            "access_log_years": "5",
            "security_log_years": "5",
        },
    )
    assert bad.status_code == 422
    assert "Vul een getal in van 1 tot en met 30" in bad.get_data(as_text=True)
    good = client.post(
        "/privacy/bewaartermijnen",
        data={
            **shown,
            "csrf_token": token,
            "closed_case_years": "7",
            "detention_notice_months": "6",
            "access_log_years": "5",
            "security_log_years": "5",
        },
    )
    assert good.status_code == 302
    with in_tenant(deventer):
        assert get_setting("retention.closed_case_years") == 7
        assert current_policy().closed_case_years == 7
    assert sign_in(officer).get("/privacy/bewaartermijnen").status_code == 403


def test_job_arguments_go_a_month_after_the_job_finished_and_the_failure_stays_listed(
    app, tenants, in_tenant
):
    deventer = tenants["deventer"]
    month_ago = datetime.combine(TODAY - timedelta(days=31), datetime.min.time(), UTC)
    last_week = datetime.combine(TODAY - timedelta(days=7), datetime.min.time(), UTC)
    secret = {"to": "client.contact@nazorg-proef.nl", "link": "/auth/activate/once-only"}

    def job(**fields):
        return OutboxJobFactory(arguments=dict(secret), **fields).id

    with in_tenant(deventer):
        failed_long_ago = job(attempts=3, last_error="SMTP down", created_at=month_ago)
        failed_lately = job(attempts=3, last_error="SMTP down", created_at=last_week)
        still_trying = job(attempts=1, last_error="SMTP down", created_at=month_ago)
        waiting = job(created_at=month_ago)  # Redis was away: the sweep hands it over
        done_long_ago = job(attempts=1, created_at=month_ago, done_at=month_ago)
        db.session.commit()

    done = sweep(in_tenant, deventer)
    assert done == [("job_arguments", "job_outbox", {"job_outbox": 2})]
    with in_tenant(deventer):
        arguments = {row.id: row.arguments for row in db.session.scalars(select(OutboxJob)).all()}
    assert arguments[failed_long_ago] == {} and arguments[done_long_ago] == {}
    for kept in (failed_lately, still_trying, waiting):
        assert arguments[kept] == secret
    assert len(arguments) == 5  # the failed row stays: the failure is not lost
    assert sweep(in_tenant, deventer) == []  # a second run clears nothing


def test_a_transfer_tombstone_loses_the_name_and_reason_after_a_year(tenants, in_tenant, sign_in):
    from app.cases.timeline import entries_for
    from app.cases.transfer import transfer_case

    zutphen = tenants["zutphen"]
    with in_tenant(zutphen):
        case = CaseFactory(client__given_name="Ricardo", client__family_name="Wolters")
        worker = UserFactory(role=Role.CASE_WORKER.value)
    moved_on = datetime(2025, 3, 1, 9, tzinfo=UTC)
    with freeze_time(moved_on), in_tenant(zutphen):
        transfer_case(
            db.session.get(Case, (zutphen.id, case.id)), tenants["deventer"].id, "test", "Verhuisd"
        )
    for today, name_kept in ((date(2026, 2, 27), True), (date(2026, 3, 2), False)):
        with in_tenant(zutphen):
            retention.sweep(today)
            db.session.commit()
            (tombstone,) = entries_for(case.id)
            assert (tombstone.detail["client"] == "Ricardo Wolters") is name_kept
            assert (tombstone.detail["reason"] == "Verhuisd") is name_kept
            assert tombstone.detail["target"] == "Deventer"
    with in_tenant(zutphen):
        rules = db.session.scalars(select(DestructionRecord.rule)).all()
    assert rules.count("transfer_tombstone") == 1
    page = sign_in(worker).get("/cases/transfers/outgoing").get_data(as_text=True)
    assert "Ricardo" not in page and "(naam verwijderd)" in page and "Deventer" in page
