"""What a page costs in SQL statements does not grow with the data behind it.

Each page is counted with 10 and with 1,000 rows behind it (cases for the case list
and the regional overview; tasks, notes and timeline entries for the case page;
notices for the notification list). Equal counts mean no N+1 query; the pinned
number makes an added query a visible change. Rows are bulk-inserted (factories'
``build`` + ``add_all``, or Core) so that the test stays quick.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.core.permissions import Role
from app.extensions import db
from tests.cases.test_export_stream import fill
from tests.factories import (
    NoteFactory,
    NotificationFactory,
    TaskFactory,
    TimelineEntryFactory,
    UserFactory,
)
from tests.perf.statements import queries_captured

SMALL, LARGE = 10, 1_000


def statements_of(app, client, url: str) -> list[str]:
    with queries_captured(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    # Without the transaction's tenant setting (PostgreSQL only): the same pins on SQLite.
    return [s for s in statements if not s.startswith("SELECT set_config('app.tenant_id'")]


def assert_same_count(small: list[str], large: list[str], pinned: int) -> None:
    assert len(large) == len(small), "\n\n".join(
        [s[:300] for s in large if s not in small] + ["----"] + [s[:300] for s in small]
    )
    assert len(small) == pinned, "\n\n".join(small)


@pytest.fixture
def deventer(tenants):
    return tenants["deventer"]


def test_the_case_list(app, deventer, in_tenant, sign_in):
    with in_tenant(deventer):
        worker = UserFactory()
    client = sign_in(worker)
    fill(in_tenant, deventer, SMALL)
    small = statements_of(app, client, "/cases/?sort=name")
    fill(in_tenant, deventer, LARGE - SMALL, start=SMALL)
    large = statements_of(app, client, "/cases/?sort=name")
    assert_same_count(small, large, pinned=CASE_LIST)


def test_the_regional_overview(app, deventer, in_tenant, sign_in):
    with in_tenant(deventer):
        coordinator = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
    client = sign_in(coordinator)
    fill(in_tenant, deventer, SMALL)
    small = statements_of(app, client, "/regio")
    fill(in_tenant, deventer, LARGE - SMALL, start=SMALL)
    large = statements_of(app, client, "/regio")
    assert_same_count(small, large, pinned=REGIONAL_OVERVIEW)


def add_file_rows(in_tenant, tenant, case_id, author, count: int) -> None:
    with in_tenant(tenant):
        case = db.session.scalars(select(Case).where(Case.id == case_id)).one()
        rows = [
            *TaskFactory.build_batch(count, case=case, tenant_id=tenant.id),
            *NoteFactory.build_batch(count, case=case, author=author, tenant_id=tenant.id),
            *TimelineEntryFactory.build_batch(count, case=case, tenant_id=tenant.id),
        ]
        db.session.add_all(rows)
        db.session.commit()


def test_the_case_page(app, deventer, in_tenant, sign_in):
    with in_tenant(deventer):
        worker = UserFactory()
    client = sign_in(worker)
    fill(in_tenant, deventer, 1)
    with in_tenant(deventer):
        case_id = db.session.scalars(select(Case.id)).one()
    add_file_rows(in_tenant, deventer, case_id, worker, SMALL)
    small = statements_of(app, client, f"/cases/{case_id}")
    add_file_rows(in_tenant, deventer, case_id, worker, LARGE - SMALL)
    large = statements_of(app, client, f"/cases/{case_id}")
    assert_same_count(small, large, pinned=CASE_PAGE)


def add_notices(in_tenant, tenant, user, count: int) -> None:
    with in_tenant(tenant):
        db.session.add_all(NotificationFactory.build_batch(count, user=user, tenant_id=tenant.id))
        db.session.commit()


def test_the_notification_list(app, deventer, in_tenant, sign_in):
    with in_tenant(deventer):
        worker = UserFactory()
    client = sign_in(worker)
    add_notices(in_tenant, deventer, worker, SMALL)
    small = statements_of(app, client, "/notifications/")
    add_notices(in_tenant, deventer, worker, LARGE - SMALL)
    large = statements_of(app, client, "/notifications/")
    assert_same_count(small, large, pinned=NOTIFICATION_LIST)


# Pinned: a change here is a deliberate change of what the page asks the database.
# Every signed-in page starts with one statement: the session with its user and the user's
# municipality (the header's tenant comes from the identity map).
# The case list: the page with its client, case worker, overdue count, the capped count
# of the matches and the capped count of the unassigned queue shown above the list in one
# statement; the team for the filter; the access log's insert. (The outgoing transfers
# have a page of their own.)
CASE_LIST = 4
# The session; one read of the tenants table (the centre and its region, kept
# for the request: it was five); the seven grouped queries of the figures (phases, releases
# soon, overdue tasks, the cohort's measurements, the cohort and its returns, trajectories,
# releases per month); and the security event of the regional read (its row: the account
# comes from the signed-in user the request has loaded).
REGIONAL_OVERVIEW = 10
# 19, plus the circle programme's panel: the consent for volunteers and the file's own
# timeline (whether the client was referred), read in the municipality's own session.
# Plus the transfer section (h16a): this case's open or declined offers, and the accepted
# transfer that brought it here (the trajectories that stayed with the sender).
# Issue 14 (25): the plan, the notes (and their revisions) and the timeline a page each
# (app/cases/sections.py); the sharing panel reads the consent recordings once, not twice;
# the circle panel reads the one latest referral event, not the whole timeline.
# 23: the session brings its user and municipality, the case brings its client (joined).
CASE_PAGE = 23
# The session; the page of notices; its unread count.
NOTIFICATION_LIST = 3
