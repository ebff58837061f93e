"""The overview (/regio for the centre's coordinator, /cijfers for a municipality's own staff):
with known cases in three municipalities, every figure on the page, in the CSV and XLSX
downloads and in the monitor export equals a count computed here from the rows themselves
(plain Python over the cases, not the overview's grouped queries), for each municipality
and the region; the municipal and the regional views agree; other municipalities' small
figures are "< 5", the viewer's own exact."""

from __future__ import annotations

import csv
import io
import logging
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.models import AccessLogEntry
from app.cases.bsn import generate_bsn
from app.cases.cohorts import read_cohort_figures
from app.cases.handover.models import Trajectory
from app.cases.models import (
    Case,
    CasePhase,
    CloseOutcome,
    DomainSnapshot,
    DomainStatus,
    LifeDomainKind,
    MonitorMoment,
)
from app.cases.plan.models import Task, TaskStatus
from app.core.dates import add_years
from app.core.permissions import Role
from app.core.tenancy import regional_read
from app.extensions import db
from app.regional import overview
from app.regional.overview import Period
from tests.factories import (
    CaseFactory,
    DomainSnapshotFactory,
    TaskFactory,
    TrajectoryFactory,
    UserFactory,
)

TODAY = date.today()
PERIOD = Period.quarter_of(TODAY)
RELEASED = PERIOD.start  # within the period, never after today
_rng = random.Random(2_027)

PHASES = ["registered", "in_detention", "release_preparation", "after_release", "reopened"]
DOMAINS = ["identity", "housing", "income", "debts", "care"]
MOMENTS = ["intake", "release", "six_months"]
KINDS = ["applicable", "arranged", "not_arranged", "unknown"]
GROUPS = ["started", "running", "finished"]


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


def overview_tables(sign_in, user) -> tuple[int, dict, str]:
    """The status, the tables and the HTML of /regio for ``user`` (also used by the region
    tests of tests/tenants)."""
    response = sign_in(user).get("/regio")
    html = response.get_data(as_text=True)
    return response.status_code, Tables(html).tables, html


def case(**fields):
    return CaseFactory(client__bsn=generate_bsn(_rng), **fields)


def released_with(statuses: dict[tuple[str, str], str], **fields):
    """A case released in the period with the given (moment, domain) -> status."""
    values = {
        "phase": CasePhase.AFTER_RELEASE.value,
        "detention_start": RELEASED - timedelta(days=200),
        "expected_release": RELEASED,
        "actual_release": RELEASED,
        **fields,
    }
    made = case(**values)
    for (moment, domain), status in statuses.items():
        DomainSnapshotFactory(case=made, moment=moment, domain=domain, status=status)
    return made


A, N, U, NA = (
    DomainStatus.ARRANGED.value,
    DomainStatus.NOT_ARRANGED.value,
    DomainStatus.UNKNOWN.value,
    DomainStatus.NOT_APPLICABLE.value,
)
H, INC = LifeDomainKind.HOUSING.value, LifeDomainKind.INCOME.value
IN, REL, SIX = (m.value for m in (MonitorMoment.INTAKE, MonitorMoment.RELEASE,
                                  MonitorMoment.SIX_MONTHS))  # fmt: skip


@pytest.fixture
def region(tenants, in_tenant):
    """Known cases in Deventer (the centre), Lochem and Zutphen; Raalte has one."""
    with in_tenant(tenants["deventer"]):
        for _ in range(6):
            case(phase=CasePhase.IN_DETENTION.value, expected_release=TODAY + timedelta(days=10))
        for i in range(7):
            statuses = {
                (IN, H): [N, N, N, A, A, U, NA][i],
                (REL, H): [A, A, A, A, A, N, NA][i],
                (IN, INC): [N, N, N, N, N, N, A][i],
                (REL, INC): [A, A, A, A, A, A, U][i],
            }
            released_with(statuses)
        # A voided measurement is left out of every figure.
        DomainSnapshotFactory(
            case=released_with({}), moment=SIX, domain=H, status=A,
            voided_at=datetime.now(UTC), void_reason="Per ongeluk",
        )  # fmt: skip
        # Back in detention: closed so, and one followed by a new detention within 2 years.
        released_with({}, phase=CasePhase.CLOSED.value,
                      close_outcome=CloseOutcome.BACK_IN_DETENTION.value)  # fmt: skip
        first = released_with({(REL, H): N})
        case(
            client=first.client,
            previous_case_id=first.id,
            phase=CasePhase.IN_DETENTION.value,
            detention_start=RELEASED + timedelta(days=100),
            expected_release=TODAY + timedelta(days=400),
        )
        worker = UserFactory()
        overdue_case = case(phase=CasePhase.REGISTERED.value, expected_release=None)
        TaskFactory(case=overdue_case, due_date=TODAY - timedelta(days=3))
        TaskFactory(case=overdue_case, due_date=TODAY - timedelta(days=1))
        TaskFactory(case=overdue_case, due_date=TODAY - timedelta(days=1),
                    status=TaskStatus.DONE.value)  # fmt: skip
        for status in ("active", "active", "completed", "cancelled"):
            TrajectoryFactory(
                case=overdue_case,
                status=status,
                start_date=PERIOD.start,
                end_date=PERIOD.start + timedelta(days=1),
                cost_cents=150_000,
            )
        db.session.commit()
    with in_tenant(tenants["lochem"]):
        for _ in range(2):
            case(phase=CasePhase.REGISTERED.value, expected_release=TODAY + timedelta(days=20))
        for status in (A, A, N):
            released_with({(REL, H): status, (IN, H): N})
        TrajectoryFactory(case=case(phase=CasePhase.REGISTERED.value), cost_cents=120_000,
                          start_date=PERIOD.start)  # fmt: skip
        db.session.commit()
    with in_tenant(tenants["zutphen"]):
        for _ in range(5):
            case(phase=CasePhase.REGISTERED.value, expected_release=None)
        for _ in range(6):
            released_with({(REL, H): A, (IN, H): U})
        db.session.commit()
    with in_tenant(tenants["raalte"]):
        case(phase=CasePhase.IN_DETENTION.value, client__given_name="RaalteKlant")
        db.session.commit()
    return worker


def expected_figures(in_tenant, tenant) -> dict[str, int]:
    """Every figure of one municipality, counted in Python over its rows."""
    with in_tenant(tenant):
        cases = db.session.scalars(select(Case)).all()
        snapshots = db.session.scalars(select(DomainSnapshot)).all()
        tasks = db.session.scalars(select(Task)).all()
        trajectories = db.session.scalars(select(Trajectory)).all()
    by_id = {c.id: c for c in cases}
    figures: dict[str, int] = Counter()
    for c in cases:
        if c.phase != "closed":
            figures[f"phase:{c.phase}"] += 1
            figures["open"] += 1
            if (
                c.actual_release is None
                and c.expected_release
                and (TODAY <= c.expected_release <= TODAY + timedelta(weeks=6))
            ):
                figures["releases_soon"] += 1
        if c.actual_release and PERIOD.start <= c.actual_release <= PERIOD.end:
            figures["cohort"] += 1
            later = [
                n for n in cases
                if n.previous_case_id == c.id and n.detention_start
                and c.actual_release <= n.detention_start <= add_years(c.actual_release, 2)
            ]  # fmt: skip
            if c.close_outcome == "back_in_detention" or later:
                figures["back"] += 1
    figures["not_back"] = figures["cohort"] - figures["back"]
    for t in tasks:
        if t.status == "open" and t.due_date < TODAY and by_id[t.case_id].phase != "closed":
            figures["overdue_tasks"] += 1
    for s in snapshots:
        c = by_id[s.case_id]
        in_cohort = c.actual_release and PERIOD.start <= c.actual_release <= PERIOD.end
        if not in_cohort or s.voided_at is not None or s.status == NA:
            continue
        figures[f"{s.moment}:{s.domain}:applicable"] += 1
        figures[f"{s.moment}:{s.domain}:{s.status}"] += 1
    for t in trajectories:
        if t.status == "cancelled":
            continue
        if PERIOD.start <= t.start_date <= PERIOD.end:
            figures["started"] += 1
            figures["started_cost"] += t.cost_cents
        if t.status == "active" and t.start_date <= PERIOD.end:
            figures["running"] += 1
            figures["running_cost"] += t.cost_cents
        if t.status == "completed" and t.end_date and PERIOD.start <= t.end_date <= PERIOD.end:
            figures["finished"] += 1
            figures["finished_cost"] += t.cost_cents
    return figures


def csv_keys() -> list[str]:
    keys = ["name", "period", *[f"phase:{p}" for p in PHASES], "open", "releases_soon"]
    keys += ["overdue_tasks", "cohort", "back", "not_back"]
    keys += [f"{m}:{d}:{k}" for m in MOMENTS for d in DOMAINS for k in KINDS]
    for group in GROUPS:
        keys += [group, f"{group}_cost"]
    return keys


def read_csv(body: bytes) -> dict[str, dict[str, str]]:
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    keys = csv_keys()
    assert len(lines[0]) == len(keys)
    return {line[0]: dict(zip(keys, line, strict=True)) for line in lines[1:]}


def as_number(key: str, text: str) -> int:
    return round(float(text) * 100) if key.endswith("_cost") else int(text)


def fits(key: str, shown: str, exact: int) -> bool:
    """Whether a figure as shown to another municipality agrees with the exact one."""
    if key.endswith("_cost"):
        return as_number(key, shown) == exact  # money is exact everywhere
    if shown == "< 5":
        return 1 <= exact <= 4
    if shown == "—":
        return exact >= 1
    return int(shown) == exact


@pytest.fixture
def coordinator(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        user = UserFactory(role=Role.REGIONAL_COORDINATOR.value, display_name="Regio Coördinator")
        db.session.commit()
        return user


def workers(tenants, in_tenant) -> dict[str, object]:
    made = {}
    for slug in ("deventer", "lochem", "zutphen", "raalte"):
        with in_tenant(tenants[slug]):
            made[slug] = UserFactory(role=Role.CASE_WORKER.value)
            db.session.commit()
    return made


def test_every_figure_equals_an_independent_count(region, coordinator, tenants, in_tenant,
                                                   sign_in):  # fmt: skip
    names = {slug: tenant.name for slug, tenant in tenants.items()}
    exact = {slug: expected_figures(in_tenant, tenants[slug]) for slug in names}
    keys = [k for k in csv_keys()[2:]]

    # The municipality's own overview: every figure exact, in the CSV and the XLSX.
    for slug, user in workers(tenants, in_tenant).items():
        client = sign_in(user)
        page = client.get(f"/cijfers?periode={PERIOD.key}")
        assert page.status_code == 200
        body = client.get(f"/cijfers/download?periode={PERIOD.key}&formaat=csv")
        assert body.status_code == 200
        rows = read_csv(body.data)
        assert list(rows) == [names[slug]], "a municipality sees only its own figures"
        own = rows[names[slug]]
        for key in keys:
            assert as_number(key, own[key]) == exact[slug][key], (slug, key)
        book = client.get(f"/cijfers/download?periode={PERIOD.key}&formaat=xlsx")
        sheet = load_workbook(io.BytesIO(book.data)).worksheets[0]
        values = [[str(c.value) for c in line] for line in sheet.iter_rows()]
        assert values[1][2:] == [own[k] for k in keys]
        tables = Tables(page.get_data(as_text=True)).tables
        assert tables["regional-cases"][names[slug]] == [
            own[k] for k in [*[f"phase:{p}" for p in PHASES], "open", "releases_soon",
                             "overdue_tasks"]
        ]  # fmt: skip

    # The region: Deventer (the coordinator's own) exact, the others fit, the region total
    # equals the sum wherever it is shown.
    client = sign_in(coordinator)
    page = client.get(f"/regio?periode={PERIOD.key}")
    assert page.status_code == 200
    rows = read_csv(client.get(f"/regio/download?periode={PERIOD.key}&formaat=csv").data)
    region_name = [name for name in rows if name not in names.values()]
    assert len(region_name) == 1
    total = rows[region_name[0]]
    for key in keys:
        assert as_number(key, rows[names["deventer"]][key]) == exact["deventer"][key], key
        for slug in names:
            assert fits(key, rows[names[slug]][key], exact[slug][key]), (slug, key)
        whole = sum(exact[slug][key] for slug in names)
        assert fits(key, total[key], whole), ("region", key)
    # The page's table and chart say what the file says.
    tables = Tables(page.get_data(as_text=True)).tables
    for name, row in rows.items():
        assert tables["regional-cases"][name] == [
            row[k] for k in [*[f"phase:{p}" for p in PHASES], "open", "releases_soon",
                             "overdue_tasks"]
        ]  # fmt: skip
        assert tables["regional-cohort"][name] == [row["cohort"], row["back"], row["not_back"]]
    html = page.get_data(as_text=True)
    assert 'role="img"' in html and "<title" in html and "<desc" in html
    chart = html[html.index('data-testid="chart-open-cases"') :]
    chart = chart[: chart.index("</svg>")]
    for name in names.values():
        assert name in chart
        assert f">{rows[name]['open'].replace('<', '&lt;')}</text>" in chart

    # The monitor export: the same domain figures per municipality and for the region.
    monitor = client.get(f"/regio/monitor?periode={PERIOD.key}")
    lines = list(csv.reader(io.StringIO(monitor.data.decode("utf-8-sig")), delimiter=";"))
    assert len(lines) == 1 + 6 * 3 * 5  # five municipalities and the region
    by_name = Counter(line[0] for line in lines[1:])
    assert by_name[names["deventer"]] == 15
    deventer = [line for line in lines[1:] if line[0] == names["deventer"]]
    for line, (moment, domain) in zip(deventer, [(m, d) for m in MOMENTS for d in DOMAINS],
                                      strict=True):  # fmt: skip
        assert [int(v) for v in line[4:8]] == [
            exact["deventer"][f"{moment}:{domain}:{k}"] for k in KINDS
        ]


def test_the_known_figures(region, tenants, in_tenant):
    """A few figures of the fixture by hand, so that the independent count is checked too."""
    deventer = expected_figures(in_tenant, tenants["deventer"])
    assert deventer["phase:in_detention"] == 7  # six, and the new detention
    assert deventer["cohort"] == 10
    assert deventer["back"] == 2
    assert deventer["intake:housing:applicable"] == 6  # not applicable left out
    assert deventer["intake:housing:unknown"] == 1
    assert deventer["six_months:housing:applicable"] == 0  # voided left out
    assert deventer["overdue_tasks"] == 2
    assert (deventer["started"], deventer["started_cost"]) == (3, 450_000)
    assert deventer["running"] == 2 and deventer["finished"] == 1


def test_other_municipalities_small_figures_are_hidden_and_own_are_exact(
    region, coordinator, tenants, sign_in
):
    client = sign_in(coordinator)
    tables = Tables(client.get(f"/regio?periode={PERIOD.key}").get_data(as_text=True)).tables
    cases = tables["regional-cases"]
    # Lochem's 2 registered (and 3 released) are people-figures of another municipality.
    assert cases[tenants["lochem"].name][0] == "< 5"
    # Deventer's own single registered case is exact for its own coordinator.
    assert cases[tenants["deventer"].name][0] == "1"
    # Zutphen's 5 registered is shown; the region total of registered cannot be 1 + 2 + 5
    # shown beside a lone "< 5": it is withheld, or a figure of 5 or more is withheld too.
    row = cases[tenants["zutphen"].name]
    region_row = cases["Regio"]
    assert region_row[0] == "—" or row[0] == "—"


def test_a_municipality_sees_only_its_own_overview(region, tenants, in_tenant, sign_in):
    raalte = workers(tenants, in_tenant)["raalte"]
    client = sign_in(raalte)
    assert client.get("/regio").status_code == 403
    assert client.get(f"/regio/download?periode={PERIOD.key}").status_code == 403
    assert client.get("/regio/lijst?gemeente=deventer&cijfer=cohort").status_code == 403
    page = client.get(f"/cijfers?periode={PERIOD.key}").get_data(as_text=True)
    tables = Tables(page).tables
    assert list(tables["regional-cases"]) == ["Gemeente", tenants["raalte"].name]
    assert tenants["deventer"].name not in tables["regional-cohort"]


def test_the_period_is_chosen_and_a_bad_one_falls_back(region, coordinator, sign_in):
    client = sign_in(coordinator)
    assert Period.of("2025-Q2", TODAY).start == date(2025, 4, 1)
    assert Period.of("2025-Q2", TODAY).end == date(2025, 6, 30)
    assert Period.of("2025-02", TODAY).end == date(2025, 2, 28)
    assert Period.of("2024", TODAY).end == date(2024, 12, 31)
    assert Period.of("2025-13", TODAY) == Period.quarter_of(TODAY)
    assert Period.of("<script>", TODAY) == Period.quarter_of(TODAY)
    earlier = PERIOD.start - timedelta(days=400)
    page = client.get(f"/regio?periode={earlier.year}")
    assert page.status_code == 200
    tables = Tables(page.get_data(as_text=True)).tables
    assert tables["regional-cohort"]["Regio"][0] == "0"  # nobody released in that year
    assert client.get("/regio?periode=2025-13").status_code == 200
    assert client.get("/regio/download?formaat=pdf").status_code == 400


def test_the_page_shows_no_client_name_citizen_number_or_case_id(
    region, coordinator, sign_in, tenants, in_tenant
):
    from app.cases.models import Client

    client = sign_in(coordinator)
    pages = [
        client.get(f"/regio?periode={PERIOD.key}").get_data(as_text=True),
        client.get("/regio", headers={"HX-Request": "true"}).get_data(as_text=True),
        client.get(f"/regio/download?periode={PERIOD.key}&formaat=csv").get_data(as_text=True),
        client.get(f"/regio/monitor?periode={PERIOD.key}").get_data(as_text=True),
    ]
    for slug in ("deventer", "lochem", "zutphen", "raalte"):
        with in_tenant(tenants[slug]):
            clients = db.session.scalars(select(Client)).all()
            ids = db.session.scalars(select(Case.id)).all()
            names = [(c.given_name, c.family_name, c.bsn) for c in clients]
        assert names and ids
        for page in pages:
            assert not [bsn for _g, _f, bsn in names if bsn in page]
            assert not [f for _g, f, _b in names if f in page]
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
def test_other_roles_of_the_centre_are_refused_the_region(
    region, tenants, in_tenant, sign_in, role
):
    with in_tenant(tenants["deventer"]):
        user = UserFactory(role=role.value)
        db.session.commit()
    response = sign_in(user).get("/regio")
    # A volunteer is refused as not found (REFUSED_AS_NOT_FOUND), staff with 403.
    assert response.status_code == (404 if role is Role.VOLUNTEER else 403)
    assert tenants["lochem"].name not in response.get_data(as_text=True).split("<main")[-1]


def test_a_regional_coordinator_outside_the_centre_municipality_is_refused(
    region, tenants, in_tenant, sign_in, caplog
):
    # The account services refuse this role outside Deventer; a row made past them
    # must still get nothing (on SQLite the regional read would widen the ORM scope).
    with in_tenant(tenants["lochem"]):
        stray = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
        db.session.commit()
    client = sign_in(stray)
    with caplog.at_level(logging.INFO, logger="nazorg.security"):
        response = client.get("/regio")
    assert response.status_code == 403
    assert "regional-cases" not in response.get_data(as_text=True)
    assert not [r for r in caplog.records if r.getMessage() == "regional read opened"]
    assert client.get("/regio/lijst?gemeente=zutphen&cijfer=cohort").status_code == 404


def test_the_start_page_and_menu_link_to_the_overview_for_the_coordinator_only(
    coordinator, tenants, in_tenant, sign_in
):
    start = sign_in(coordinator).get("/start").get_data(as_text=True)
    assert 'data-testid="regional-overview-link"' in start
    assert start.count('href="/regio"') == 2  # the menu and the start page
    with in_tenant(tenants["deventer"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
        db.session.commit()
    page = sign_in(admin).get("/start").get_data(as_text=True)
    assert 'href="/regio"' not in page
    assert 'href="/cijfers"' in page  # the municipality's own figures


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
        seen = read_cohort_figures(PERIOD.start, PERIOD.end, TODAY)
    assert set(seen) == {tenants["lochem"].id}
    with (
        in_tenant(tenants["deventer"]),
        regional_read(db.session, actor="test", purpose="centre check"),
    ):
        seen = read_cohort_figures(PERIOD.start, PERIOD.end, TODAY)
    assert set(seen) == {tenants[s].id for s in ("deventer", "lochem", "zutphen", "raalte")}


# --- figures kept per worker (OVERVIEW_CACHE_SECONDS, app.core.memo) ---------------------


@pytest.fixture
def kept(app, monkeypatch):
    monkeypatch.setitem(app.config, "OVERVIEW_CACHE_SECONDS", 300)
    overview.FIGURES.clear()
    yield
    overview.FIGURES.clear()


def test_a_kept_regional_figure_is_shown_logged_and_dated(
    kept, region, coordinator, sign_in, tenants, in_tenant, caplog
):
    status, first, html = overview_tables(sign_in, coordinator)
    assert status == 200
    assert 'data-testid="figures-read-at"' in html
    # A new case in Deventer is not in the kept figures; the page says when they were read.
    with in_tenant(tenants["deventer"]):
        case(phase="in_detention", expected_release=TODAY + timedelta(days=90))
        db.session.commit()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="nazorg.security"):
        status, second, html = overview_tables(sign_in, coordinator)
    assert status == 200
    assert second["regional-cases"] == first["regional-cases"]
    shown = [r for r in caplog.records if r.getMessage() == "regional figures shown"]
    assert [(r.actor, r.purpose) for r in shown] == [
        (str(coordinator.id), "regional monitor overview (kept figures)")
    ]
    read = [r for r in caplog.records if r.getMessage() == "regional read opened"]
    assert "regional monitor overview" not in [r.purpose for r in read]
    # Read again once they are no longer kept: the new case counts.
    overview.FIGURES.clear()
    _status, third, _html = overview_tables(sign_in, coordinator)
    assert third["regional-cases"] != first["regional-cases"]


def test_a_municipality_never_gets_the_regions_kept_figures(
    kept, region, coordinator, sign_in, tenants, in_tenant
):
    assert sign_in(coordinator).get("/regio").status_code == 200
    with in_tenant(tenants["lochem"]):
        worker = UserFactory(role=Role.CASE_WORKER.value)
        db.session.commit()
    page = sign_in(worker).get("/cijfers").get_data(as_text=True)
    rows = set(Tables(page).tables["regional-cases"])
    assert tenants["lochem"].name in rows
    for other in ("deventer", "zutphen", "raalte"):
        assert tenants[other].name not in rows


def test_without_keeping_the_page_says_nothing_about_when(region, coordinator, sign_in):
    _status, _tables, html = overview_tables(sign_in, coordinator)
    assert 'data-testid="figures-read-at"' not in html


def test_kept_figures_keep_their_protection_and_show_the_same_cells(
    kept, region, coordinator, sign_in, monkeypatch
):
    """The small-cell protection of kept figures is worked out once and kept with them:
    the second page shows exactly what the first did, hidden cells included."""
    calls = []
    original = overview.protect
    monkeypatch.setattr(overview, "protect", lambda *a: calls.append(1) or original(*a))
    _status, first, first_html = overview_tables(sign_in, coordinator)
    _status, second, second_html = overview_tables(sign_in, coordinator)
    assert len(calls) == 1
    assert second == first
    assert second_html.count(overview.SMALL_CELL_TEXT) == first_html.count(overview.SMALL_CELL_TEXT)
    overview.FIGURES.clear()
    overview_tables(sign_in, coordinator)
    assert len(calls) == 2


def test_the_kept_figures_event_names_the_account_without_reading_it_again(
    app, kept, region, coordinator, sign_in, tenants, in_tenant
):
    """The event of every page with kept figures takes the account from the signed-in
    user of the request (a statement less a page); the row names it as a lookup would."""
    from app.auth.models import SecurityEvent
    from tests.perf.statements import queries_captured

    client = sign_in(coordinator)
    assert client.get("/regio").status_code == 200
    with queries_captured(app) as statements:
        assert client.get("/regio").status_code == 200
    # (The session reads its user with its tenant: a statement that starts at the tenants.)
    assert not [s for s in statements if s.lstrip().startswith("SELECT users.")]
    with in_tenant(tenants["deventer"]):
        shown = db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.event == "regional_read")
        ).all()
    kept_rows = [e for e in shown if e.detail == "regional monitor overview (kept figures)"]
    assert [(e.account, e.user_id) for e in kept_rows] == [(coordinator.subject, coordinator.id)]


@pytest.mark.postgres
def test_the_figures_are_read_with_hash_joins_and_the_settings_are_restored(
    region, tenants, in_tenant, monkeypatch
):
    """The grouped statements of the figures run with nested-loop and merge joins off (a
    nested loop guessed from the regional policy took 40-57 s at national scale, a merge
    on the municipality alone 8 s); the statements after them are planned as usual."""
    from sqlalchemy import text

    settings = "SELECT current_setting('enable_nestloop'), current_setting('enable_mergejoin')"
    seen = []
    original = db.session.execute

    def watching(statement, *args, **kwargs):
        result = original(statement, *args, **kwargs)
        if "count(" in str(statement):
            seen.append(tuple(db.session.execute(text(settings)).one()))
        return result

    with in_tenant(tenants["deventer"]), regional_read(db.session, actor="test", purpose="t"):
        monkeypatch.setattr(db.session, "execute", watching)
        read_cohort_figures(PERIOD.start, PERIOD.end, TODAY)
        monkeypatch.undo()
        after = tuple(db.session.execute(text(settings)).one())
    assert seen and set(seen) == {("off", "off")}
    assert after == ("on", "on")
