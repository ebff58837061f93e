"""The case list: search, filters, sorting and pagination; the query string is the state.

``CaseQuery.from_args`` reads a query string leniently (an unknown value is ignored,
never an error), ``to_args`` writes one for links, so every view of the list can
be bookmarked and restored.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, and_, exists, func, literal_column, select

from app.auth.api import User
from app.cases.models import Case, CasePhase, Client
from app.cases.plan.models import Task, TaskStatus
from app.core.db import inline_number, plan_for_these_values
from app.extensions import db

SORTS = ("release", "name", "phase", "updated")
TARGETS = ("prolific_offender", "benefit_recipient")
PER_PAGE = 25
# The list counts its matches up to here and says "more than 1,000" beyond: a count of
# the whole tenant on every page read every case (measured: a fifth of the throughput).
COUNT_LIMIT = 1_000
MAX_RELEASE_WINDOW = 3650


@dataclass(frozen=True)
class CaseQuery:
    q: str = ""
    phase: str = ""
    release_within: int | None = None
    overdue: bool = False
    target: str = ""
    worker: str = ""  # a user id, or "none" for cases without a case worker
    sort: str = "release"
    desc: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args) -> CaseQuery:
        def integer(name: str, low: int, high: int) -> int | None:
            try:
                value = int(args.get(name, ""))
            except ValueError:
                return None
            return value if low <= value <= high else None

        phase = args.get("phase", "")
        worker = args.get("worker", "")
        if worker not in ("", "none"):
            try:
                worker = str(uuid.UUID(worker))
            except ValueError:
                worker = ""
        return cls(
            q=args.get("q", "").strip()[:100],
            phase=phase if phase in {p.value for p in CasePhase} or phase == "open" else "",
            release_within=integer("release_within", 0, MAX_RELEASE_WINDOW),
            overdue=args.get("overdue") in ("1", "on", "true"),
            target=args.get("target", "") if args.get("target") in TARGETS else "",
            worker=worker,
            sort=args.get("sort") if args.get("sort") in SORTS else "release",
            desc=args.get("desc") in ("1", "true"),
            page=integer("page", 1, 100_000) or 1,
        )

    def to_args(self, **changes) -> str:
        query = replace(self, **changes)
        defaults = CaseQuery()
        pairs = []
        for name in (
            "q",
            "phase",
            "release_within",
            "overdue",
            "target",
            "worker",
            "sort",
            "desc",
            "page",
        ):
            value = getattr(query, name)
            if value == getattr(defaults, name) or value is None:
                continue
            pairs.append((name, "1" if value is True else str(value)))
        return urlencode(pairs)

    @property
    def bsn(self) -> str | None:
        """The citizen number searched for, when the search text is one (nine digits)."""
        digits = self.q.replace(" ", "")
        return digits if len(digits) == 9 and digits.isdigit() else None

    def history_args(self) -> str:
        """The query string the browser may keep in its history: never a citizen number."""
        return self.to_args(q="") if self.bsn else self.to_args()

    def sorted_by(self, sort: str) -> str:
        """The query string for a click on a column header: toggles the direction."""
        return self.to_args(sort=sort, desc=(not self.desc) if self.sort == sort else False, page=1)


@dataclass(frozen=True, slots=True)
class ListedClient:
    given_name: str
    family_name: str
    responsible_tenant: str | None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True, slots=True)
class ListedCase:
    """A row of the list: what it shows, read as plain columns. Loading 25 cases with their
    clients and case workers as ORM objects (and expiring them at the commit) was a tenth
    of the list's time; nothing on the list changes them."""

    id: uuid.UUID
    phase: str
    facility: str | None
    expected_release: date | None
    prolific_offender: bool
    client: ListedClient
    case_worker_name: str | None
    overdue: int

    @property
    def is_closed(self) -> bool:
        return self.phase == CasePhase.CLOSED.value


@dataclass
class CasePage:
    query: CaseQuery
    cases: list[ListedCase]
    total: int
    per_page: int = PER_PAGE
    more: bool = False  # more than ``total`` match: the count stopped there
    # The values of the ``also`` columns of ``search_cases``, by name.
    also: dict[str, object] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """The pages known to exist: with ``more``, at least one after the current one."""
        return max(1, math.ceil(self.total / self.per_page)) + (1 if self.more else 0)


# The columns a row of the list shows (``ListedCase``), each by its name in the row.
def _shown_columns(today: date) -> tuple:
    return (
        Case.id,
        Case.phase,
        Case.facility,
        Case.expected_release,
        Case.prolific_offender,
        Client.given_name,
        Client.family_name,
        Client.responsible_tenant,
        User.display_name.label("case_worker_name"),
        _overdue_count(today).label("overdue"),
    )


def _listed(row) -> ListedCase:
    client = ListedClient(row.given_name, row.family_name, row.responsible_tenant)
    return ListedCase(
        row.id,
        row.phase,
        row.facility,
        row.expected_release,
        row.prolific_offender,
        client,
        row.case_worker_name,
        row.overdue,
    )


def full_name():
    """The name the search looks in: the expression of the trigram index (migration
    c3d9e1f7a2b4, the space a literal so that the expressions match), used under RLS
    where scripts/pg-setup declared the condition's functions leakproof."""
    return Client.given_name + literal_column("' '") + Client.family_name


def _overdue_count(today: date):
    return (
        select(func.count())
        .where(
            Task.case_id == Case.id,
            Task.tenant_id == Case.tenant_id,
            Task.status == TaskStatus.OPEN.value,
            Task.due_date < today,
        )
        .correlate(Case)
        .scalar_subquery()
    )


def _overdue_clause(today: date):
    return exists(
        select(Task.id).where(
            Task.case_id == Case.id,
            Task.tenant_id == Case.tenant_id,
            Task.status == TaskStatus.OPEN.value,
            Task.due_date < today,
        )
    )


def filtered(query: CaseQuery, today: date):
    """The select of the cases that match ``query`` (unsorted, unpaged). The clients are
    joined only for a search: the count of the plain list reads the cases alone."""
    stmt = select(Case)
    text = query.q
    if text:
        stmt = stmt.join(Case.client)
        if query.bsn:
            stmt = stmt.where(Client.bsn == query.bsn)  # exact only: no partial BSN search
        else:
            stmt = stmt.where(full_name().icontains(text, autoescape=True))
    if query.phase == "open":
        stmt = stmt.where(Case.phase != CasePhase.CLOSED.value)
    elif query.phase:
        stmt = stmt.where(Case.phase == query.phase)
    if query.release_within is not None:
        stmt = stmt.where(
            and_(
                Case.actual_release.is_(None),
                Case.expected_release >= today,
                Case.expected_release <= today + timedelta(days=query.release_within),
            )
        )
    if query.overdue:
        stmt = stmt.where(_overdue_clause(today))
    if query.target:
        stmt = stmt.where(getattr(Case, query.target).is_(True))
    if query.worker == "none":
        stmt = stmt.where(Case.case_worker_id.is_(None))
    elif query.worker:
        stmt = stmt.where(Case.case_worker_id == uuid.UUID(query.worker))
    return stmt


def sort_keys(query: CaseQuery) -> list:
    """What the list is sorted by (before the case's id, which makes the order whole)."""
    if query.sort == "name":
        return [func.lower(Client.family_name), func.lower(Client.given_name)]
    if query.sort == "phase":
        return [Case.phase, Case.expected_release]
    if query.sort == "updated":
        return [Case.updated_at]
    return [Case.expected_release]


def _directed(keys, query: CaseQuery) -> list:
    return [k.desc().nulls_last() if query.desc else k.asc().nulls_last() for k in keys]


def ordered(stmt, query: CaseQuery):
    return stmt.order_by(*_directed(sort_keys(query), query), Case.id)


def search_cases(
    query: CaseQuery,
    today: date | None = None,
    per_page: int = PER_PAGE,
    *,
    also: dict[str, ColumnElement] | None = None,
) -> CasePage:
    """The page of ``query``, in one statement: the capped count of the matches comes as a
    column of the page (a round trip was a tenth of the list's time), and so do the
    uncorrelated scalar columns ``also`` (by name: what else the page shows, such as the
    unassigned queue's count, in ``CasePage.also``). A name search reads its matches
    once, for the page and the count (``_name_matches``). An empty page (nothing matches,
    or the page lies past the end: a bookmark after cases were closed) counts on its own,
    with ``also`` in that statement, and shows the last page instead."""
    today = today or date.today()
    also = also or {}
    cap = max(COUNT_LIMIT, query.page * per_page)
    stmt = filtered(query, today)
    name_search = bool(query.q) and not query.bsn
    listed = _keyed(stmt, query).subquery("listed")
    # Labelled "also_<name>": never the name of a shown column.
    also_columns = [column.label(f"also_{name}") for name, column in also.items()]
    if name_search:
        matches = _name_matches(stmt, query, cap)
        counted_alone = select(func.count()).select_from(matches).scalar_subquery()

        def read(page: int, extra=()) -> list:
            return _page_rows(matches, query, today, page, per_page, extra, counted=True)

        rows = read(query.page, also_columns)  # its count is a window of its own
    else:
        counted_alone = _capped_count(stmt, cap)

        def read(page: int, extra=()) -> list:
            return _page_rows(listed, query, today, page, per_page, extra)

        rows = read(query.page, [counted_alone.label("counted"), *also_columns])
    if rows:
        first = rows[0]
    else:
        first = db.session.execute(select(counted_alone.label("counted"), *also_columns)).one()
    counted = first.counted
    also_values = {name: first._mapping[f"also_{name}"] for name in also}
    more = counted > cap
    if more and name_search:  # the page came from some of the matches: read it whole
        plan_for_these_values(db.session)
        rows = _page_rows(listed, query, today, query.page, per_page)
    total = cap if more else counted
    page = query.page if more else min(query.page, max(1, math.ceil(total / per_page)))
    if page != query.page:
        rows = read(page)
    cases = [_listed(row) for row in rows]
    return CasePage(replace(query, page=page), cases, total, per_page, more, also_values)


def with_client(stmt, query: CaseQuery):
    """``stmt`` with the clients joined (the page shows and may sort by the name)."""
    return stmt if query.q else stmt.join(Case.client)


def _capped_count(stmt, cap: int):
    """How many rows ``stmt`` has, counting no further than ``cap + 1``: the database
    stops reading there instead of visiting every match. Uncorrelated: it counts the
    whole filter, not the row of the page it is a column of."""
    limited = stmt.with_only_columns(Case.id).limit(cap + 1).subquery()
    return select(func.count()).select_from(limited).correlate(None).scalar_subquery()


def _keyed(stmt, query: CaseQuery):
    """``stmt``'s cases as their ids and sort keys (``key_<n>``), the clients joined when
    the order needs their names."""
    if query.sort == "name" and not query.q:
        stmt = stmt.join(Case.client)
    keys = [key.label(f"key_{n}") for n, key in enumerate(sort_keys(query))]
    return stmt.with_only_columns(Case.id, *keys)


def _name_matches(stmt, query: CaseQuery, cap: int):
    """A name search's matches (up to ``cap + 1``) with their sort keys: a subquery with a
    LIMIT, which PostgreSQL plans by itself whatever the page's order (a subquery with a
    LIMIT is not merged into the statement around it): the trigram index by municipality,
    then each client's cases.

    Planned as one statement, the page's plan depended on the pattern: planned for any
    pattern, PostgreSQL read the municipality's cases in list order to find a rare name
    (17-20 ms at 20,000 cases a municipality), so it was planned for each search (1.6 ms)
    and ran the trigram search twice, page and count: 3.4 ms in the database
    (2026-12-07). Beyond ``cap`` matches the page would be sorted from some of them only:
    ``search_cases`` then reads it again as one statement, planned for its pattern."""
    return _keyed(stmt, query).limit(inline_number(cap + 1)).subquery("matches")


def _page_rows(keyed, query, today, page, per_page, extra=(), counted=False) -> list:
    """The rows of one page (``_shown_columns``, with ``counted`` the count of ``keyed`` as
    a window, then ``extra``): the cases of ``keyed`` (``_keyed``) sorted and paged on
    their keys alone, and only the page's cases then read with their clients, case workers
    and overdue counts. Joined first, the database read every case of the order three
    more times (its case, client and case worker by key) for a page of 25: the 103
    matches of "bakker" at region scale (0.6 of 1.6 ms), the 280 cases of a municipality
    sorted by name at national scale (2026-12-07)."""
    keys = [column for column in keyed.c if column.key.startswith("key_")]
    order = [*_directed(keys, query), keyed.c.id]
    window = [func.count().over().label("counted")] if counted else []
    paged = (
        select(keyed.c.id, *window, func.row_number().over(order_by=order).label("position"))
        .order_by(*order)
        .limit(inline_number(per_page))
        .offset(inline_number((page - 1) * per_page))
        .subquery("paged")
    )
    worker = and_(User.id == Case.case_worker_id, User.tenant_id == Case.tenant_id)
    counted_column = [paged.c.counted] if counted else []
    return db.session.execute(
        select(*_shown_columns(today), *counted_column, *extra)
        .select_from(paged)
        .join(Case, Case.id == paged.c.id)
        .join(Case.client)
        .outerjoin(User, worker)
        .order_by(paged.c.position)
    ).all()
