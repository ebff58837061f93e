"""A tenant admin merges two clients of the municipality (issue 16, point 2): the merged
client's cases (with their timeline), waiting intake checks and access-log entries point
at the client that stays; the merge is in the history of both and in the security log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AccessLogEntry
from app.auth.models import SecurityEvent
from app.cases.intake.checklist import IntakeCheck
from app.cases.models import Case, Client
from app.cases.timeline import EventKind, TimelineEntry
from app.extensions import db
from tests.factories import AccessLogEntryFactory, IntakeCheckFactory, UserFactory

URL = "/cases/admin/clients/merge"


@pytest.fixture
def raalte(tenants):
    return tenants["raalte"]


@pytest.fixture
def admin(raalte, in_tenant, worker_client):
    with in_tenant(raalte):
        user = UserFactory(role="tenant_admin")
    return worker_client(user)


def two_records(make_case, in_tenant, raalte):
    stays = make_case(raalte, client={"given_name": "Ahmed", "family_name": "Yilmaz"})
    goes = make_case(
        raalte,
        client={"given_name": "Achmed", "family_name": "Yilmaz"},
        detention_start=date.today() - timedelta(days=400),
    )
    with in_tenant(raalte):
        merged = db.session.get(Client, (raalte.id, goes.client_id))
        IntakeCheckFactory(client=merged)
        AccessLogEntryFactory(case=db.session.get(Case, (raalte.id, goes.id)))
        AccessLogEntryFactory(case=db.session.get(Case, (raalte.id, goes.id)))
        db.session.commit()
        bsns = (
            db.session.get(Client, (raalte.id, stays.client_id)).bsn,
            merged.bsn,
        )
    return stays, goes, bsns


def test_the_merged_clients_cases_history_checks_and_access_log_move_to_the_client_that_stays(
    raalte, in_tenant, make_case, admin
):
    stays, goes, (stays_bsn, goes_bsn) = two_records(make_case, in_tenant, raalte)
    answer = admin.post(
        URL,
        data={
            "survivor_bsn": stays_bsn,
            "merged_bsn": goes_bsn,
            "reason": "Dubbel ingeschreven bij de intake",
            "confirm": "1",
        },
    )
    assert answer.status_code == 302
    with in_tenant(raalte):
        assert db.session.get(Client, (raalte.id, goes.client_id)) is None
        survivor = db.session.get(Client, (raalte.id, stays.client_id))
        assert (survivor.given_name, survivor.bsn) == ("Ahmed", stays_bsn)
        cases = db.session.scalars(select(Case).where(Case.client_id == survivor.id)).all()
        assert {c.id for c in cases} == {stays.id, goes.id}
        checks = db.session.scalars(select(IntakeCheck)).all()
        assert [c.client_id for c in checks] == [survivor.id]
        log = db.session.scalars(
            select(AccessLogEntry.client_id).where(AccessLogEntry.object_id == str(goes.id))
        ).all()
        assert log and set(log) == {survivor.id}
        assert not db.session.scalar(
            select(func.count())
            .select_from(AccessLogEntry)
            .where(AccessLogEntry.client_id == goes.client_id)
        )
        # In the history of both: every case's timeline says so, with the reason.
        for case_id in (stays.id, goes.id):
            (entry,) = db.session.scalars(
                select(TimelineEntry).where(
                    TimelineEntry.case_id == case_id,
                    TimelineEntry.kind == EventKind.CLIENT_MERGED.value,
                )
            ).all()
            assert entry.detail["reason"] == "Dubbel ingeschreven bij de intake"
            assert goes_bsn not in str(entry.detail)  # masked
        events = db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.event == "clients_merged")
        ).all()
        assert len(events) == 1 and str(goes.client_id) in events[0].detail
    page = admin.get(f"/cases/{goes.id}")
    assert page.status_code in (403, 404)  # the admin does not read files; the merge page does


@pytest.mark.parametrize(
    "change, message",
    [
        ({"merged_bsn": "same"}, "Kies twee verschillende cliënten."),
        ({"merged_bsn": "123456782"}, "Geen cliënt met dit burgerservicenummer in deze gemeente."),
        ({"merged_bsn": "12345"}, "Vul de negen cijfers van een burgerservicenummer in."),
        ({"confirm": ""}, "Bevestig dat beide gegevens van één persoon zijn."),
        ({"reason": " "}, "Schrijf op waarom."),
        ({"open_same_detention": True}, "Beide cliënten hebben een open dossier"),
    ],
)
def test_a_merge_is_refused_with_the_reason_and_changes_nothing(
    raalte, in_tenant, make_case, admin, change, message
):
    stays = make_case(raalte)
    start = date.today() - (
        timedelta(days=20) if change.get("open_same_detention") else timedelta(days=300)
    )
    goes = make_case(raalte, detention_start=start)
    with in_tenant(raalte):
        stays_bsn = db.session.get(Client, (raalte.id, stays.client_id)).bsn
        goes_bsn = db.session.get(Client, (raalte.id, goes.client_id)).bsn
    data = {"survivor_bsn": stays_bsn, "merged_bsn": goes_bsn, "reason": "Dubbel", "confirm": "1"}
    data.update({k: v for k, v in change.items() if k != "open_same_detention"})
    if data["merged_bsn"] == "same":
        data["merged_bsn"] = stays_bsn
    answer = admin.post(URL, data=data)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    with in_tenant(raalte):
        assert db.session.get(Client, (raalte.id, goes.client_id)) is not None
        assert db.session.get(Case, (raalte.id, goes.id)).client_id == goes.client_id
