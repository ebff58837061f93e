"""The regional monitor overview (/regio): aggregate figures per municipality, small cells
hidden, no client data, only for the regional coordinator of the centre municipality."""

from __future__ import annotations

import logging
import random
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.audit.models import AccessLogEntry
from app.cases.bsn import generate_bsn
from app.cases.handover.models import TrajectoryStatus
from app.cases.models import CasePhase, DomainStatus, LifeDomainKind, MonitorMoment
from app.core.permissions import Role
from app.core.tenancy import regional_read
from app.extensions import db
from app.regional import overview as regional
from tests.factories import (
    CaseFactory,
    DomainSnapshotFactory,
    PhaseChangeFactory,
    TrajectoryFactory,
    UserFactory,
)

TODAY = date.today()
_rng = random.Random(2_027)


class Tables(HTMLParser):
    """{table data-testid: {row header: [cell texts]}} of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list[str]]] = {}
        self._table = self._row = self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("data-testid", ""), {})
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row:
            self._table[self._row[0]] = self._row[1:]
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def make_cases(in_tenant, tenant, count: int, *, name: str = "Regiocliënt", **fields) -> list:
    """``count`` cases in ``tenant``; every client gets the distinctive ``name``."""
    made = []
    with in_tenant(tenant):
        for _ in range(count):
            made.append(
                CaseFactory(
                    client__given_name=name,
                    client__family_name=f"{name}Achter",
                    client__bsn=generate_bsn(_rng),
                    **fields,
                )
            )
    return made


@pytest.fixture
def region(tenants, in_tenant):
    """Cases in Deventer, Lochem and Zutphen with known figures (Olst-Wijhe and Raalte
    have none). Every client is called CNRYREGIO<municipality>Q7X."""
    deventer, lochem, zutphen = tenants["deventer"], tenants["lochem"], tenants["zutphen"]
    names = {t.slug: f"CNRYREGIO{t.slug.upper().replace('-', '')}Q7X" for t in tenants.values()}

    # Deventer: large enough cells to be shown.
    make_cases(
        in_tenant,
        deventer,
        6,
        name=names["deventer"],
        phase=CasePhase.IN_DETENTION.value,
        expected_release=TODAY + timedelta(days=10),
    )
    released = make_cases(
        in_tenant,
        deventer,
        8,
        name=names["deventer"],
        phase=CasePhase.AFTER_RELEASE.value,
        expected_release=TODAY - timedelta(days=30),
        actual_release=TODAY - timedelta(days=30),
    )
    closed = make_cases(
        in_tenant, deventer, 6, name=names["deventer"], phase=CasePhase.CLOSED.value
    )
    with in_tenant(deventer):
        for i, case in enumerate(released):
            status = DomainStatus.ARRANGED if i < 6 else DomainStatus.NOT_ARRANGED
            DomainSnapshotFactory(
                case=case,
                domain=LifeDomainKind.HOUSING.value,
                moment=MonitorMoment.RELEASE.value,
                status=status.value,
            )
            if i < 5:
                DomainSnapshotFactory(
                    case=case,
                    domain=LifeDomainKind.HOUSING.value,
                    moment=MonitorMoment.SIX_MONTHS.value,
                    status=DomainStatus.ARRANGED.value,
                )
            # The intake is not one of the overview's moments.
            DomainSnapshotFactory(
                case=case,
                domain=LifeDomainKind.INCOME.value,
                moment=MonitorMoment.INTAKE.value,
                status=DomainStatus.ARRANGED.value,
            )
        for i, case in enumerate(closed):
            # Five closed two months ago, one two years ago (outside the 12 months).
            days = 60 if i < 5 else 730
            PhaseChangeFactory(
                case=case,
                from_phase=CasePhase.AFTER_RELEASE.value,
                to_phase=CasePhase.CLOSED.value,
                changed_at=datetime.now(UTC) - timedelta(days=days),
            )
        for case in released[:5]:
            TrajectoryFactory(case=case, start_date=TODAY, cost_cents=150_000)
        TrajectoryFactory(
            case=released[5],
            start_date=TODAY,
            cost_cents=200_000,
            status=TrajectoryStatus.COMPLETED.value,
        )
        TrajectoryFactory(
            case=released[6], start_date=TODAY, status=TrajectoryStatus.CANCELLED.value
        )
        TrajectoryFactory(case=released[7], start_date=date(TODAY.year - 1, 6, 1))

    # Lochem: small cells only.
    make_cases(in_tenant, lochem, 2, name=names["lochem"], phase=CasePhase.REGISTERED.value)
    (preparing,) = make_cases(
        in_tenant,
        lochem,
        1,
        name=names["lochem"],
        phase=CasePhase.RELEASE_PREPARATION.value,
        expected_release=TODAY + timedelta(days=41),
    )
    with in_tenant(lochem):
        TrajectoryFactory(case=preparing, start_date=TODAY, cost_cents=150_000)
        DomainSnapshotFactory(
            case=preparing,
            domain=LifeDomainKind.HOUSING.value,
            moment=MonitorMoment.RELEASE.value,
            status=DomainStatus.ARRANGED.value,
        )

    # Zutphen: exactly five, the smallest figure that is shown.
    make_cases(in_tenant, zutphen, 5, name=names["zutphen"], phase=CasePhase.REGISTERED.value)
    return names


@pytest.fixture
def coordinator(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        return UserFactory(role=Role.REGIONAL_COORDINATOR.value, display_name="Regio Coördinator")


def overview_tables(sign_in, user) -> tuple[int, dict, str]:
    response = sign_in(user).get("/regio")
    html = response.get_data(as_text=True)
    return response.status_code, Tables(html).tables, html


def test_the_coordinator_sees_the_figures_of_each_municipality_and_the_region(
    region, coordinator, sign_in
):
    status, tables, _html = overview_tables(sign_in, coordinator)
    assert status == 200
    # Columns: registered, in detention, preparing release, after release, reopened,
    # closed in the last 12 months, release expected within 6 weeks.
    cases = tables["regional-cases"]
    assert cases["Deventer"] == ["0", "6", "0", "8", "0", "5", "6"]
    assert cases["Lochem"] == ["< 5", "0", "< 5", "0", "0", "0", "< 5"]
    assert cases["Zutphen"] == ["5", "0", "0", "0", "0", "0", "0"]
    assert cases["Raalte"] == ["0"] * 7
    # A region total is withheld where a municipality's figure is a small cell: 7 - 5
    # would otherwise give Lochem's registered cases back (secondary suppression).
    assert cases["Regio"] == ["—", "6", "—", "8", "0", "5", "—"]

    # Domains: identity, housing, income, debts, care.
    release = tables["regional-basics-release"]
    # 6 of 8 arranged would say that 2 were not: a small cell, so the count is withheld.
    assert release["Deventer"][1] == "— van 8 (—)"
    assert release["Deventer"][0] == "0 van 0 (—)"
    assert release["Lochem"][1] == "< 5 van < 5 (—)"
    assert release["Regio"][1] == "— van — (—)"  # Lochem's small cells
    assert release["Regio"][2] == "0 van 0 (—)"  # the intake snapshot does not count
    six_months = tables["regional-basics-six_months"]
    assert six_months["Deventer"][1] == "5 van 5 (100%)"
    assert six_months["Lochem"][1] == "0 van 0 (—)"

    # Number, active, completed, total cost (cancelled and last year's left out).
    trajectories = tables["regional-trajectories"]
    # 6 in all and 5 active would give the completed "< 5" back: active is withheld.
    assert trajectories["Deventer"] == ["6", "—", "< 5", "€ 9.500,00"]
    assert trajectories["Lochem"] == ["< 5", "< 5", "0", "—"]
    assert trajectories["Zutphen"] == ["0", "0", "0", "€ 0,00"]
    assert trajectories["Regio"] == ["—", "—", "—", "—"]


def test_a_figure_from_one_to_four_is_a_small_cell(app):
    assert [str(regional.Count(n)) for n in range(7)] == ["0", *["< 5"] * 4, "5", "6"]
    assert regional.Share(regional.Count(3), regional.Count(40)).percent is None
    assert regional.Share(regional.Count(10), regional.Count(4)).percent is None
    assert regional.Share(regional.Count(0), regional.Count(0)).percent is None
    assert regional.Share(regional.Count(0), regional.Count(8)).percent == 0
    assert regional.Share(regional.Count(5), regional.Count(8)).percent == 63  # 62.5 up
    small = regional.Trajectories(
        regional.Count(2), regional.Count(2), regional.Count(0), cost_cents=300_000
    )
    assert small.cost is None  # the cost would give the number away
    withheld = regional.Count(40, withheld=True)
    assert str(withheld) == "—"
    assert regional.Share(regional.Count(10), withheld).percent is None


def test_the_page_shows_no_client_name_citizen_number_or_case_id(
    region, coordinator, sign_in, tenants, in_tenant
):
    from app.cases.models import Case, Client

    _status, _tables, html = overview_tables(sign_in, coordinator)
    hx = sign_in(coordinator).get("/regio", headers={"HX-Request": "true"})
    for page in (html, hx.get_data(as_text=True)):
        for name in region.values():
            assert name not in page
        for slug in ("deventer", "lochem", "zutphen"):
            with in_tenant(tenants[slug]):
                bsns = db.session.scalars(select(Client.bsn)).all()
                ids = db.session.scalars(select(Case.id)).all()
            assert bsns and ids
            assert not [bsn for bsn in bsns if bsn in page]
            assert not [case_id for case_id in ids if str(case_id) in page]


def test_each_opening_is_logged_by_the_regional_read_and_writes_no_access_log_row(
    region, coordinator, sign_in, tenants, in_tenant, caplog
):
    with caplog.at_level(logging.INFO, logger="nazorg.security"):
        assert sign_in(coordinator).get("/regio").status_code == 200
    opened = [r for r in caplog.records if r.getMessage() == "regional read opened"]
    assert [(r.actor, r.purpose) for r in opened] == [
        (str(coordinator.id), "regional monitor overview")
    ]
    for tenant in tenants.values():
        with in_tenant(tenant):
            assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0


@pytest.mark.parametrize(
    "role", [Role.CASE_WORKER, Role.TENANT_ADMIN, Role.PRIVACY_OFFICER, Role.VOLUNTEER]
)
def test_other_roles_of_the_centre_are_refused(region, tenants, in_tenant, sign_in, role):
    with in_tenant(tenants["deventer"]):
        user = UserFactory(role=role.value)
    response = sign_in(user).get("/regio")
    # A volunteer is refused as not found (REFUSED_AS_NOT_FOUND), staff with 403.
    assert response.status_code == (404 if role is Role.VOLUNTEER else 403)
    assert "CNRYREGIO" not in response.get_data(as_text=True)


def test_a_regional_coordinator_outside_the_centre_municipality_is_refused(
    region, tenants, in_tenant, sign_in, caplog
):
    # The account services refuse this role outside Deventer; a row made past them
    # must still get nothing (on SQLite the regional read would widen the ORM scope).
    with in_tenant(tenants["lochem"]):
        stray = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
    client = sign_in(stray)
    with caplog.at_level(logging.INFO, logger="nazorg.security"):
        response = client.get("/regio")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "CNRYREGIO" not in body and "regional-cases" not in body
    assert not [r for r in caplog.records if r.getMessage() == "regional read opened"]
    assert [r.getMessage() for r in caplog.records].count("access refused") == 1
    start = client.get("/start").get_data(as_text=True)
    assert "/regio" not in start


def test_the_start_page_and_menu_link_to_the_overview_for_the_coordinator_only(
    coordinator, tenants, in_tenant, sign_in
):
    start = sign_in(coordinator).get("/start").get_data(as_text=True)
    assert 'data-testid="regional-overview-link"' in start
    assert start.count('href="/regio"') == 2  # the menu and the start page
    with in_tenant(tenants["deventer"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    assert "/regio" not in sign_in(admin).get("/start").get_data(as_text=True)


@pytest.mark.postgres
def test_the_regional_read_widens_nothing_for_a_municipality_other_than_the_centre(
    region, tenants, in_tenant
):
    """Row-level security: the same queries in a session of Lochem, inside regional_read,
    see Lochem only; in a session of Deventer they see the region."""
    with (
        in_tenant(tenants["lochem"]),
        regional_read(db.session, actor="test", purpose="non-centre check"),
    ):
        seen = regional.read_figures(TODAY)
    assert set(seen) == {tenants["lochem"].id}
    assert dict(seen[tenants["lochem"].id].by_phase) == {
        CasePhase.REGISTERED.value: 2,
        CasePhase.RELEASE_PREPARATION.value: 1,
    }
    with (
        in_tenant(tenants["deventer"]),
        regional_read(db.session, actor="test", purpose="centre check"),
    ):
        seen = regional.read_figures(TODAY)
    assert set(seen) == {tenants[s].id for s in ("deventer", "lochem", "zutphen")}
