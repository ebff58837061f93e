"""The grant's accountability report: with known trajectories, invoices, a cancellation, an
approved distribution and a regional expense in three municipalities, every figure of the
report (page, CSV and XLSX) equals what the test computes from its own fixtures; made by
a background job with progress; each download logged."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import select

from app.auth.models import SecurityEvent
from app.extensions import db
from app.regional import accountability
from app.regional.grant_models import AccountabilityReport
from tests.cases.conftest import worker_client  # noqa: F401 - a fixture
from tests.factories import UserFactory
from tests.jobs.conftest import run_burst
from tests.regional.conftest import EXPENSE, YEAR

KEYS = (
    "grant_cents",
    "regional_part_cents",
    "spent_cents",
    "spent_from_grant_cents",
    "committed_cents",
    "trajectories",
    "clients",
    "carried_over_cents",
)


def euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def test_every_figure_equals_the_count_from_the_fixtures(
    tenants,
    in_tenant,
    region_with_money,
    embedded,
    worker_client,  # noqa: F811 - the fixture imported above
):
    coordinator, expected = region_with_money
    client = worker_client(coordinator)
    started = client.post("/regio/verantwoording", data={"year": YEAR})
    assert started.status_code == 303
    url = started.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    # Embedded: the steps ran inline after the commit, so the report is done.
    assert "De rapportage is klaar." in page and "every 1s" not in page
    assert "€ 50.000,00" in page  # Deventer's share, exact
    assert "Door de centrumgemeente uitgegeven voor de andere gemeenten: € 5.000,00" in page

    with in_tenant(tenants["deventer"]):
        report = db.session.scalars(select(AccountabilityReport)).one()
        stored = {
            row["municipality"]: tuple(row[k] for k in KEYS) for row in report.content["rows"]
        }
        stored["Regio"] = tuple(report.content["total"][k] for k in KEYS)
        assert accountability.for_the_others(report) == EXPENSE - 500_001
    assert stored == expected

    # The CSV: the same figures, amounts as 1500,00, then the inputs.
    body = client.get(f"{url}/verantwoording.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    table = {row[0]: row[1:] for row in rows[2:8]}
    for name, figures in expected.items():
        shown = [
            str(v) if k in ("trajectories", "clients") else euros(v)
            for k, v in zip(KEYS, figures, strict=True)
        ]
        assert table[name] == shown, name
    inputs = {row[0]: row[1] for row in rows if len(row) == 2}
    assert inputs["Rijksbijdrage van de regio"] == "€ 100.000,00"
    assert inputs["Verdeelsleutel"] == "Vast aandeel per gemeente"
    assert inputs["Aandeel Zutphen"] == "€ 20.000,00 (sleutel: 20)"
    # A description that looks like a formula is written as text.
    assert inputs[f"Regionale uitgave {YEAR}-03-01"].startswith("€ 10.000,01: =Regio")
    assert inputs["Regionale uitgaven totaal"] == "€ 10.000,01"

    # The XLSX: numbers in euros on the first sheet, the inputs on the second.
    response = client.get(f"{url}/verantwoording.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    found = {row[0]: row[1:] for row in sheet.iter_rows(min_row=3, values_only=True)}
    for name, figures in expected.items():
        for key, value, cell in zip(KEYS, figures, found[name], strict=True):
            if key in ("trajectories", "clients"):
                assert cell == value
            else:
                assert round(cell * 100) == value, (name, key)
    assert workbook.worksheets[1].title == "Invoer"

    with in_tenant(tenants["deventer"]):
        logged = db.session.scalars(
            select(SecurityEvent.detail).where(
                SecurityEvent.event == "accountability_report_downloaded"
            )
        ).all()
    assert sorted(logged) == [f"{YEAR} (csv)", f"{YEAR} (xlsx)"]


@pytest.mark.redis
def test_the_report_is_a_background_job_with_progress(
    app,
    tenants,
    in_tenant,
    region_with_money,
    worker_client,  # noqa: F811
):
    """With Redis: the steps wait for a worker; the page shows the progress and polls."""
    coordinator, expected = region_with_money
    run_burst(app)  # the approval's job: the shares become budget lines
    client = worker_client(coordinator)
    url = client.post("/regio/verantwoording", data={"year": YEAR}).headers["Location"]
    # The same year again while it is being made: the same report, not a second job.
    assert client.post("/regio/verantwoording", data={"year": YEAR}).headers["Location"] == url
    waiting = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "0 van 5 gemeenten klaar" in waiting and 'hx-trigger="every 1s"' in waiting
    assert "<html" not in waiting
    assert client.get(f"{url}/verantwoording.xlsx").status_code == 404  # not ready yet

    run_burst(app)
    done = client.get(url).get_data(as_text=True)
    assert "De rapportage is klaar." in done and "every 1s" not in done
    with in_tenant(tenants["deventer"]):
        report = db.session.scalars(select(AccountabilityReport)).one()
        assert (report.done_steps, report.total_steps) == (5, 5)
        assert report.content["total"]["clients"] == expected["Regio"][6]
        # A step delivered again does nothing twice.
        accountability.build_report_step(tenants["deventer"].id, str(report.id), 2)
        db.session.commit()
        assert (
            len(db.session.get(AccountabilityReport, (report.tenant_id, report.id)).content["rows"])
            == 5
        )


def test_only_the_centres_coordinator_reaches_the_report(
    tenants,
    in_tenant,
    sign_in,
    region_with_money,
    embedded,
    worker_client,  # noqa: F811
):
    coordinator, _expected = region_with_money
    url = (
        worker_client(coordinator)
        .post("/regio/verantwoording", data={"year": YEAR})
        .headers["Location"]
    )
    with in_tenant(tenants["deventer"]):
        admin = UserFactory(role="tenant_admin")
    with in_tenant(tenants["raalte"]):
        other = UserFactory(role="regional_coordinator")
    assert sign_in(admin).get(url).status_code == 403
    assert sign_in(other).get(url).status_code == 403
    assert sign_in(other).get("/regio/verdeling").status_code == 403
