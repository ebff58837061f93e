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


def statements_of(app, client, url: str, headers: dict | None = None) -> list[str]:
    with queries_captured(app) as statements:
        response = client.get(url, headers=headers or {})
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


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        *(
            ("panels", name)
            for name in (
                "sharing",
                "referrals",
                "trajectories",
                "transfer",
                "people",
                "documents",
                "circle-referral",
                "timeline",
            )
        ),
        ("forms", "edit-details"),
        ("forms", "add-task"),
    ],
)
def test_each_part_of_the_case_page_on_demand(app, deventer, in_tenant, sign_in, kind, name):
    """A panel's content or a folded form as htmx fetches it (``/cases/<id>/<kind>/<name>``)."""
    with in_tenant(deventer):
        worker = UserFactory()
    client = sign_in(worker)
    fill(in_tenant, deventer, 1)
    with in_tenant(deventer):
        case_id = db.session.scalars(select(Case.id)).one()
    url, htmx = f"/cases/{case_id}/{kind}/{name}", {"HX-Request": "true"}
    add_file_rows(in_tenant, deventer, case_id, worker, SMALL)
    small = statements_of(app, client, url, htmx)
    add_file_rows(in_tenant, deventer, case_id, worker, LARGE - SMALL)
    large = statements_of(app, client, url, htmx)
    pinned = CASE_PANELS if kind == "panels" else CASE_FORMS
    assert_same_count(small, large, pinned=pinned[name])


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
# of the matches, the capped count of the unassigned queue shown above the list and the
# team for the filter (a JSON column, ``core.db.json_rows``) in one statement; the access
# log's insert. (The outgoing transfers have a page of their own.)
CASE_LIST = 3
# The session; one read of the tenants table (the centre and its region, kept
# for the request: it was five); the seven grouped queries of the figures (phases, releases
# soon, overdue tasks, the cohort's measurements, the cohort and its returns, trajectories,
# releases per month), between switching nested-loop and merge joins off and on again
# (``core.db.with_hash_joins``); and the security event of the regional read (its row:
# the account comes from the signed-in user the request has loaded).
REGIONAL_OVERVIEW = 12
# 19, plus the circle programme's panel: the consent for volunteers and the file's own
# timeline (whether the client was referred), read in the municipality's own session.
# Plus the transfer section (h16a): this case's open or declined offers, and the accepted
# transfer that brought it here (the trajectories that stayed with the sender).
# Issue 14 (25): the plan, the notes (and their revisions) and the timeline a page each
# (app/cases/sections.py); the sharing panel reads the consent recordings once, not twice;
# the circle panel reads the one latest referral event, not the whole timeline.
# 23: the session brings its user and municipality, the case brings its client (joined).
# Issue 14, panels on demand (app/cases/panels.py): 11. The session; the case with its
# client, its life domains and its snapshots; the region's municipalities (the
# municipality of responsibility in the header and the facts); the plan's page; the notes'
# page and their revisions; the release day's open tasks; the case workers for the details
# form; the access log's insert. The panels' reads moved to their own requests (below).
# 8: the life domains come in the case's statement; the notes' revisions in the notes';
# the region's municipalities only when the responsibility names another municipality
# than the case's own (here it names none).
# 7: the case workers are read for the details form alone, which is folded on the page and
# comes on demand (app.cases.panels.FORMS, below).
CASE_PAGE = 7
# The session; the page of notices; its unread count.
NOTIFICATION_LIST = 3
# A panel as htmx fetches it: the four statements every panel's request makes (the session;
# the case read as the case page reads it, with its client and life domains, then its
# snapshots; the access log's insert), and then the panel's own reads.
# A folded form as htmx fetches it: the session, the case (with its client and life
# domains, then its snapshots), the access log's insert, and what only the form reads.
CASE_FORMS = {
    "edit-details": 4 + 1,  # the team's case workers (the choice of case worker)
    "add-task": 4,
}
CASE_PANELS = {
    "sharing": 4 + 1,  # the consent recordings, once
    "referrals": 4 + 2,  # the referrals; the partners to refer to (the form)
    "trajectories": 4 + 3,  # the trajectories; their reports and invoices; the accepted
    # transfer that brought the case (the trajectories that stayed with the sender)
    "transfer": 4 + 3,  # the offers; the region's municipalities and the offers'; the
    # accepted transfer
    "people": 4 + 1,  # the people involved
    "documents": 4 + 2,  # the documents; the municipality's settings (the size limit)
    "circle-referral": 4 + 2,  # the consent for volunteers; the latest referral event
    "timeline": 4 + 1,  # the timeline's first page
}
