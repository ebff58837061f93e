"""The case list counts its matches only up to 1,000: "meer dan 1.000" beyond, never a
count of the whole municipality on every page."""

from __future__ import annotations

import re

from app.cases import listing
from tests.cases.test_export_stream import fill
from tests.factories import UserFactory
from tests.perf.statements import queries_captured


def test_beyond_a_thousand_the_list_says_more_than_and_counts_no_further(
    app, tenants, in_tenant, sign_in
):
    tenant = tenants["zutphen"]
    with in_tenant(tenant):
        worker = UserFactory()
    client = sign_in(worker)
    fill(in_tenant, tenant, 1_000)
    page = client.get("/cases/").get_data(as_text=True)
    assert "Gevonden dossiers: 1000" in page and "Pagina 1 van 40" in page
    fill(in_tenant, tenant, 5, start=1_000)
    with queries_captured(app) as statements:
        page = client.get("/cases/").get_data(as_text=True)
    assert "Gevonden dossiers: meer dan 1.000" in page
    assert "Pagina 1<" in page and 'data-testid="next-page"' in page
    # The list's own count and the unassigned queue's above it, both columns of the page's
    # one statement: each counts the ids of a subquery that stops at the cap.
    capped = re.compile(r"count\(\*\)[^()]*FROM \(SELECT cases\.id AS id\s.*?LIMIT", re.S)
    counts = [s for s in statements if "count(*)" in s]
    assert len(counts) == 1 and len(capped.findall(counts[0])) == 2
    # Paging on past the cap still finds the last page and its cases.
    last = client.get("/cases/?page=41").get_data(as_text=True)
    assert "Gevonden dossiers: 1005" in last and "Pagina 41 van 41" in last
    assert last.count('data-testid="case-row"') == 5


def test_the_count_stops_at_the_cap(app, tenants, in_tenant, monkeypatch):
    tenant = tenants["lochem"]
    fill(in_tenant, tenant, 30)
    with in_tenant(tenant):
        monkeypatch.setattr(listing, "COUNT_LIMIT", 10)
        capped = listing.search_cases(listing.CaseQuery(), per_page=5)
        assert (capped.total, capped.more) == (10, True)
        monkeypatch.setattr(listing, "COUNT_LIMIT", 100)
        counted = listing.search_cases(listing.CaseQuery(), per_page=5)
        assert (counted.total, counted.more) == (30, False)
