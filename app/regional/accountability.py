"""The grant's yearly accountability report (SiSa: single information, single audit).

Per year, for the region, per municipality and in total:

- **grant**: the municipality's share of the national grant (its budget lines with
  source "share of the national grant": the approved distribution's line, and any
  entered by hand);
- **regional part**: what the centre spent from the grant for the whole region
  (``RegionalExpense``: the coordinator, the volunteer programme, training), charged to
  each municipality by the key of the year's approved distribution, to the cent
  (``distribution.distribute``); without an approved distribution the centre carries it
  all. The centre's spending *for the others* is the total minus the centre's own part;
- **spent**: the care director's invoices of the year's trajectories (by start year, as
  the budget commits them); **spent from the grant**: that spending up to what the grant
  leaves after the regional part (the rest is paid from municipal funds);
- **committed**: trajectories handed over whose invoice has not come yet;
- **trajectories** (handed over in the year, cancelled ones left out) and **clients**
  (distinct people behind them);
- **carried over**: the grant minus the regional part minus the spending from the
  grant, never below zero: what goes on to next year.

Amounts are accountability figures, exact to the cent and never small-cell suppressed;
the counts are of the region's own programme (the coordinator's report to the
ministry). The figures are read through ``regional_read`` (logged).

The report is made by a background job (``build_report_step``), one municipality per
run, each run committed by the job wrapper, so the page's progress bar moves (htmx
polls it); the next step is enqueued in the same transaction, and a step run twice does
nothing twice. Without Redis (the demo) the steps run inline after the commit. The
figures and the inputs they used are kept with the report, so both downloads (CSV and
XLSX) show the same numbers; each download is logged as a security event.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from app.cases.api import clients_of_trajectories
from app.core.audit import report_refused_access
from app.core.db import utcnow
from app.core.i18n import format_cents
from app.core.security_events import report_security_event
from app.core.tenancy import regional_read
from app.core.tenants import Tenant, region_tenants
from app.extensions import db
from app.jobs import enqueue, job
from app.regional import grant
from app.regional.budget_models import BudgetLine, BudgetSource, Commitment, CommitmentStatus
from app.regional.distribution import distribute
from app.regional.grant_models import AccountabilityReport, GrantDistribution

AMOUNTS = (
    "grant_cents",
    "regional_part_cents",
    "spent_cents",
    "spent_from_grant_cents",
    "committed_cents",
    "carried_over_cents",
)
COUNTS = ("trajectories", "clients")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# --- starting and finding a report -----------------------------------------------------


def start_report(user, year: int) -> AccountabilityReport:
    """A new report for ``year``, its first step enqueued; a report of the same year still
    being made is the answer instead of a second one."""
    grant.require_coordinator(user, "accountability_report")
    running = db.session.scalars(
        select(AccountabilityReport).where(
            AccountabilityReport.year == year, AccountabilityReport.finished_at.is_(None)
        )
    ).first()
    if running is not None:
        return running
    region = grant.municipalities_of(user)
    report = AccountabilityReport(
        id=uuid.uuid4(),
        year=year,
        requested_by=user.display_name,
        requested_by_id=user.id,
        total_steps=len(region),
        done_steps=0,
        content={"rows": [], "inputs": {}},
    )
    db.session.add(report)
    db.session.flush()
    enqueue(build_report_step, report_id=str(report.id), step=0)
    return report


def access_report(user, report_id: uuid.UUID) -> AccountabilityReport:
    """A report of the user's (centre) municipality; 404 alike for foreign and missing."""
    grant.require_coordinator(user, "accountability_report")
    report = db.session.get(AccountabilityReport, (user.tenant_id, report_id))
    if report is None:
        report_refused_access(user, "accountability_report", str(report_id))
        raise NotFound()
    return report


def reports_of(year: int) -> list[AccountabilityReport]:
    return list(
        db.session.scalars(
            select(AccountabilityReport)
            .where(AccountabilityReport.year == year)
            .order_by(AccountabilityReport.requested_at.desc())
            .limit(10)
        )
    )


# --- the job -----------------------------------------------------------------------------


@job("reports")
def build_report_step(tenant_id: int, report_id: str, step: int) -> None:
    report = db.session.get(
        AccountabilityReport, (tenant_id, uuid.UUID(report_id)), with_for_update=True
    )
    if report is None or report.is_finished or report.done_steps != step:
        return  # done already (a job run twice), or gone
    region = region_tenants(db.session.get(Tenant, tenant_id))
    content = {"rows": list(report.content.get("rows", [])), "inputs": report.content.get("inputs")}
    if step == 0 or not content["inputs"]:
        content["inputs"] = _inputs(report.year, region, tenant_id)
    if step < len(region):
        municipality = region[step]
        with regional_read(
            db.session, actor=str(report.requested_by_id), purpose="grant accountability report"
        ):
            content["rows"].append(_row(report.year, municipality, content["inputs"]))
    report.done_steps = step + 1
    if report.done_steps >= len(region):
        content["total"] = _total(content["rows"])
        report.finished_at = utcnow()
    else:
        enqueue(build_report_step, report_id=report_id, step=report.done_steps)
    report.content = content


def _inputs(year: int, region: list[Tenant], centre_id: int) -> dict:
    """What the report used besides the municipalities' own budgets: the approved
    distribution and the centre's regional expenses, with the regional part per
    municipality."""
    approval = grant.current_approval(year)
    distribution = (
        db.session.get(GrantDistribution, (centre_id, approval.distribution_id))
        if approval is not None
        else None
    )
    expenses = grant.regional_expenses_of(year)
    expenses_total = sum(expense.amount_cents for expense in expenses)
    weights: dict[str, int] = {}
    shares: list[dict] = []
    if distribution is not None:
        for share in grant.shares_of(distribution.id):
            weights[str(share.municipality_id)] = share.weight
            shares.append(
                {
                    "municipality": share.municipality_name,
                    "weight": share.weight,
                    "share_cents": share.share_cents,
                }
            )
    in_region = {str(tenant.id) for tenant in region}
    weights = {key: weight for key, weight in weights.items() if key in in_region}
    if weights and sum(weights.values()) > 0:
        parts = distribute(expenses_total, weights)
    else:
        parts = {str(centre_id): expenses_total}  # no key: the centre carries it
    return {
        "year": year,
        "made_at": utcnow().isoformat(timespec="seconds"),
        "distribution": None
        if distribution is None
        else {
            "total_cents": distribution.total_cents,
            "key_kind": distribution.key_kind,
            "reference_year": distribution.reference_year,
            "computed_by": distribution.computed_by,
            "approved_by": approval.approved_by,
            "approved_at": approval.approved_at.isoformat(timespec="seconds"),
            "shares": shares,
        },
        "regional_expenses": [
            {
                "spent_on": expense.spent_on.isoformat(),
                "description": expense.description,
                "amount_cents": expense.amount_cents,
            }
            for expense in expenses
        ],
        "regional_expenses_cents": expenses_total,
        "regional_parts": parts,
        "centre_id": centre_id,
    }


def _row(year: int, municipality: Tenant, inputs: dict) -> dict:
    """One municipality's figures (inside ``regional_read``, narrowed to it)."""
    grant_cents = db.session.scalar(
        select(func.coalesce(func.sum(BudgetLine.amount_cents), 0)).where(
            BudgetLine.tenant_id == municipality.id,
            BudgetLine.year == year,
            BudgetLine.source == BudgetSource.GRANT.value,
        )
    )
    spent = committed = 0
    counted: list[uuid.UUID] = []
    for trajectory_id, status, amount, invoiced in db.session.execute(
        select(
            Commitment.trajectory_id,
            Commitment.status,
            Commitment.amount_cents,
            Commitment.invoice_amount_cents,
        ).where(Commitment.tenant_id == municipality.id, Commitment.year == year)
    ):
        if status == CommitmentStatus.CANCELLED.value:
            continue
        counted.append(trajectory_id)
        if status == CommitmentStatus.SPENT.value:
            spent += int(invoiced if invoiced is not None else amount)
        else:
            committed += int(amount)
    clients = clients_of_trajectories(counted).get(municipality.id, 0)
    grant_cents = int(grant_cents or 0)
    regional_part = int(inputs["regional_parts"].get(str(municipality.id), 0))
    from_grant = min(spent, max(grant_cents - regional_part, 0))
    return {
        "municipality": municipality.name,
        "municipality_id": municipality.id,
        "is_centre": municipality.id == inputs["centre_id"],
        "grant_cents": grant_cents,
        "regional_part_cents": regional_part,
        "spent_cents": spent,
        "spent_from_grant_cents": from_grant,
        "committed_cents": committed,
        "trajectories": len(counted),
        "clients": int(clients),
        "carried_over_cents": max(grant_cents - regional_part - from_grant, 0),
    }


def _total(rows: list[dict]) -> dict:
    return {name: sum(int(row[name]) for row in rows) for name in (*AMOUNTS, *COUNTS)}


# --- what the downloads show ---------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    amount: bool


def columns() -> list[Column]:
    return [
        Column("grant_cents", _("Share of the national grant"), True),
        Column(
            "regional_part_cents", _("Spent by the region (centre) for this municipality"), True
        ),
        Column("spent_cents", _("Spent on trajectories"), True),
        Column("spent_from_grant_cents", _("Of which from the grant"), True),
        Column("committed_cents", _("Committed, not yet invoiced"), True),
        Column("trajectories", _("Trajectories"), False),
        Column("clients", _("Clients"), False),
        Column("carried_over_cents", _("Carried over to next year"), True),
    ]


def for_the_others(report: AccountabilityReport) -> int:
    """What the centre spent from the grant for the other municipalities."""
    inputs = report.content.get("inputs") or {}
    parts = inputs.get("regional_parts", {})
    own = int(parts.get(str(inputs.get("centre_id")), 0))
    return int(inputs.get("regional_expenses_cents", 0)) - own


def _input_lines(report: AccountabilityReport) -> list[tuple[str, str]]:
    """The inputs as (label, value) lines, for the CSV section and the XLSX sheet."""
    inputs = report.content.get("inputs") or {}
    lines = [
        (_("Year"), str(report.year)),
        (_("Made at"), inputs.get("made_at", "")),
        (_("Requested by"), report.requested_by),
    ]
    dist = inputs.get("distribution")
    if dist is None:
        lines.append((_("Distribution of the grant"), _("No approved distribution for this year")))
    else:
        kind = (
            _("Ex-detainees per municipality in %(year)s", year=dist["reference_year"])
            if dist["key_kind"] == "ex_detainees"
            else _("Fixed share per municipality")
        )
        lines += [
            (_("Grant of the region"), format_cents(dist["total_cents"])),
            (_("Distribution key"), kind),
            (_("Computed by"), dist["computed_by"]),
            (_("Approved by"), f"{dist['approved_by']} ({dist['approved_at']})"),
        ]
        for share in dist["shares"]:
            lines.append(
                (
                    _("Share of %(name)s", name=share["municipality"]),
                    _(
                        "%(share)s (key: %(weight)s)",
                        share=format_cents(share["share_cents"]),
                        weight=share["weight"],
                    ),
                )
            )
    for expense in inputs.get("regional_expenses", []):
        lines.append(
            (
                _("Regional expense %(date)s", date=expense["spent_on"]),
                f"{format_cents(expense['amount_cents'])}: {expense['description']}",
            )
        )
    lines.append(
        (_("Regional expenses in total"), format_cents(inputs.get("regional_expenses_cents", 0)))
    )
    lines.append(
        (
            _("Spent by the centre for the other municipalities"),
            format_cents(for_the_others(report)),
        )
    )
    return lines


def _cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        text = "'" + text  # a spreadsheet must not run a description as a formula
    return text


def _euros_text(cents: int) -> str:
    """1500,00: the CSV's amount (decimal comma, no thousands separator, as Dutch
    spreadsheets read a semicolon-separated file)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{euros},{rest:02d}"


def _table(report: AccountabilityReport) -> list[tuple[str, dict]]:
    rows = [(row["municipality"], row) for row in report.content.get("rows", [])]
    return [*rows, (_("Region"), report.content.get("total") or _total([]))]


def as_csv(report: AccountabilityReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    cols = columns()
    writer.writerow([_("Accountability of the national grant %(year)s", year=report.year)])
    writer.writerow([_("Municipality"), *[c.label for c in cols]])
    for name, row in _table(report):
        writer.writerow(
            [_cell(name)] + [_euros_text(row[c.key]) if c.amount else str(row[c.key]) for c in cols]
        )
    writer.writerow([])
    writer.writerow([_("Inputs")])
    for label, value in _input_lines(report):
        writer.writerow([_cell(label), _cell(value)])
    return "\ufeff" + buffer.getvalue()  # the BOM: Excel reads it as UTF-8


def as_xlsx(report: AccountabilityReport) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Accountability")[:31]
    cols = columns()
    sheet.append([_("Accountability of the national grant %(year)s", year=report.year)])
    sheet["A1"].font = Font(bold=True)
    sheet.append([_("Municipality"), *[c.label for c in cols]])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for name, row in _table(report):
        sheet.append(
            [_cell(name)]
            + [Decimal(row[c.key]) / 100 if c.amount else int(row[c.key]) for c in cols]
        )
        for index, column in enumerate(cols, start=2):
            if column.amount:
                sheet.cell(row=sheet.max_row, column=index).number_format = '"€" #,##0.00'
    sheet.column_dimensions["A"].width = 18
    inputs = workbook.create_sheet(_("Inputs")[:31])
    inputs.append([_("Input"), _("Value")])
    for cell in inputs[1]:
        cell.font = Font(bold=True)
    for label, value in _input_lines(report):
        inputs.append([_cell(label), _cell(value)])
    inputs.column_dimensions["A"].width = 45
    inputs.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def log_download(user, report: AccountabilityReport, kind: str) -> None:
    """Every download is a security event in the centre (the report holds no client data,
    so no access-log row)."""
    report_security_event(
        "accountability report downloaded",
        event="accountability_report_downloaded",
        result="done",
        tenant_id=user.tenant_id,
        user_id=user.id,
        detail=f"{report.year} ({kind})",
        report=str(report.id),
        kind=kind,
    )
