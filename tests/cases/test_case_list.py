"""The case list: search, filters, sorting, pagination, htmx in place, bookmarkable; CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases import listing
from app.cases.models import Case
from app.cases.plan.models import Task
from app.extensions import db
from tests.factories import UserFactory

TODAY = date.today()


def names(body: str, cases: dict) -> set[str]:
    return {key for key, case in cases.items() if case.client.full_name in body}


def setup_cases(tenants, in_tenant, make_case):
    tenant = tenants["deventer"]
    with in_tenant(tenant):
        anna = UserFactory(display_name="Anna")
    cases = {
        "soon": make_case(
            tenant,
            client={"given_name": "Sanne", "family_name": "Visser"},
            expected_release=TODAY + timedelta(days=5),
            case_worker_id=anna.id,
        ),
        "later": make_case(
            tenant,
            client={"given_name": "Mohamed", "family_name": "Bakker"},
            expected_release=TODAY + timedelta(days=90),
            prolific_offender=True,
        ),
        "overdue": make_case(
            tenant,
            client={"given_name": "Linda", "family_name": "de Groot"},
            expected_release=TODAY + timedelta(days=40),
            plan=True,
            benefit_recipient=True,
        ),
    }
    with in_tenant(tenant):
        task = db.session.query(Task).filter(Task.case_id == cases["overdue"].id).first()
        task.due_date = TODAY - timedelta(days=3)
        db.session.get(Case, (tenant.id, cases["later"].id)).phase = "release_preparation"
        db.session.commit()
    return anna, cases


def test_search_and_filters(tenants, in_tenant, make_case, sign_in):
    anna, cases = setup_cases(tenants, in_tenant, make_case)
    client = sign_in(anna)

    def found(query: str) -> set[str]:
        return names(client.get(f"/cases/?{query}").get_data(as_text=True), cases)

    assert found("") == {"soon", "later", "overdue"}
    assert found("q=vis") == {"soon"}
    assert found("q=linda+de+g") == {"overdue"}
    assert found(f"q={cases['later'].client.bsn}") == {"later"}
    assert found(f"q={cases['later'].client.bsn[:8]}") == set()  # exact BSN only
    assert found("q=%25") == set()  # a wildcard is searched for literally
    assert found("phase=release_preparation") == {"later"}
    assert found("release_within=30") == {"soon"}
    assert found("overdue=1") == {"overdue"}
    assert found("target=prolific_offender") == {"later"}
    assert found("target=benefit_recipient") == {"overdue"}
    assert found(f"worker={anna.id}") == {"soon"}
    assert found("worker=none") == {"later", "overdue"}
    assert found("phase=nonsense&release_within=x&sort=evil") == {"soon", "later", "overdue"}


def test_sorting_and_pagination(tenants, in_tenant, make_case, sign_in):
    anna, cases = setup_cases(tenants, in_tenant, make_case)
    with in_tenant(tenants["deventer"]):
        page = listing.search_cases(listing.CaseQuery(sort="name"), per_page=2)
        assert [c.client.family_name for c in page.cases] == ["Bakker", "de Groot"]
        assert page.pages == 2
        second = listing.search_cases(listing.CaseQuery(sort="name", page=2), per_page=2)
        assert [c.client.family_name for c in second.cases] == ["Visser"]
        by_release = listing.search_cases(listing.CaseQuery(sort="release", desc=True))
        assert [c.client.family_name for c in by_release.cases] == ["Bakker", "de Groot", "Visser"]
    body = sign_in(anna).get("/cases/?sort=name&desc=1").get_data(as_text=True)
    assert body.index("Visser") < body.index("Bakker")


def test_the_list_updates_in_place_and_the_query_string_is_the_state(
    tenants, in_tenant, make_case, sign_in
):
    anna, cases = setup_cases(tenants, in_tenant, make_case)
    client = sign_in(anna)
    fragment = client.get(
        "/cases/?q=vis", headers={"HX-Request": "true", "HX-Target": "case-results"}
    )
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and "case-filters" not in body
    assert "Visser" in body and "Bakker" not in body
    page = client.get("/cases/?q=vis").get_data(as_text=True)
    assert 'value="vis"' in page and 'hx-push-url="true"' in page
    assert listing.CaseQuery.from_args({"q": "vis", "overdue": "1", "page": "2"}).to_args() == (
        "q=vis&overdue=1&page=2"
    )


def test_a_citizen_number_search_never_enters_the_browser_history(
    tenants, in_tenant, make_case, sign_in
):
    anna, cases = setup_cases(tenants, in_tenant, make_case)
    bsn = cases["soon"].client.bsn
    headers = {"HX-Request": "true", "HX-Target": "case-results"}
    found = sign_in(anna).get(f"/cases/?q={bsn}&phase=open", headers=headers)
    assert found.status_code == 200
    assert cases["soon"].client.family_name in found.get_data(as_text=True)
    assert found.headers["HX-Push-Url"] == "/cases/?phase=open"
    by_name = sign_in(anna).get("/cases/?q=vis", headers=headers)
    assert "HX-Push-Url" not in by_name.headers  # the pushed URL is the request's own


def test_case_list_csv_export(tenants, in_tenant, make_case, sign_in, caplog):
    anna, cases = setup_cases(tenants, in_tenant, make_case)
    with in_tenant(tenants["deventer"]):
        db.session.get(
            Case, (tenants["deventer"].id, cases["soon"].id)
        ).client.given_name = "=HYPERLINK(1)"
        db.session.commit()
    with caplog.at_level("INFO", logger="nazorg.access"):
        response = sign_in(anna).get("/cases/export.csv?target=benefit_recipient")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][0] == "Cliënt" and len(rows) == 2 and rows[1][0] == "Linda de Groot"
    assert rows[1][1].startswith("******")
    everything = sign_in(anna).get("/cases/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1) Visser" in everything
    assert any(getattr(r, "kind", None) == "case_list_csv" for r in caplog.records)


SORT_KEYS = {
    "release": lambda case: (case.expected_release,),
    "name": lambda case: (case.client.family_name.lower(), case.client.given_name.lower()),
    "phase": lambda case: (case.phase, case.expected_release),
    "updated": lambda case: (case.updated_at,),
}


@pytest.mark.parametrize("sort", sorted(SORT_KEYS))
@pytest.mark.parametrize("desc", [False, True])
def test_the_list_and_a_name_search_page_their_cases_in_the_asked_order(
    tenants, in_tenant, make_case, sort, desc
):
    """Both are sorted and paged on the cases' keys before the page's cases are read
    (``listing._page_rows``): each page holds the cases in the asked order (the case's id
    ascending among equals), and the name search its matches in the same order, with
    their count."""
    setup_cases(tenants, in_tenant, make_case)
    with in_tenant(tenants["deventer"]):
        stored = sorted(db.session.scalars(select(Case)).all(), key=lambda case: case.id)
        # Python's sort is stable with reverse too: equal keys keep the ids ascending.
        wanted = [case.id for case in sorted(stored, key=SORT_KEYS[sort], reverse=desc)]
        listed = [
            listing.search_cases(listing.CaseQuery(sort=sort, desc=desc, page=n), per_page=2)
            for n in (1, 2)
        ]
        searched = [
            listing.search_cases(listing.CaseQuery(q="a", sort=sort, desc=desc, page=n), per_page=2)
            for n in (1, 2)
        ]
    assert len(wanted) == 3  # every name has an "a"
    for pages in (listed, searched):
        assert [c.id for page in pages for c in page.cases] == wanted
        assert [p.total for p in pages] == [3, 3] and [p.query.page for p in pages] == [1, 2]


@pytest.mark.postgres
def test_a_name_search_reads_its_matches_once_for_the_page_and_the_count(
    tenants, in_tenant, make_case, monkeypatch
):
    """A name search is one statement: its matches in a subquery with a LIMIT (planned by
    itself, so that PostgreSQL's plan for any pattern still starts from the trigram index),
    the page sorted from them and the count a window over them. Beyond the cap the page
    would be sorted from some matches only: it is read again as one statement planned for
    its pattern (psycopg prepares a statement run five times and PostgreSQL may then reuse
    a plan made for any pattern, which reads the municipality's cases in list order to find
    a rare name), for its transaction only."""
    from sqlalchemy import event, text

    setup_cases(tenants, in_tenant, make_case)

    def search(query, per_page=listing.PER_PAGE) -> tuple[listing.CasePage, list[str], str]:
        sent = []

        def keep(conn, cursor, statement, parameters, context, executemany):
            sent.append(statement)

        with in_tenant(tenants["deventer"]):
            event.listen(db.engine, "before_cursor_execute", keep)
            try:
                page = listing.search_cases(query, per_page=per_page)
            finally:
                event.remove(db.engine, "before_cursor_execute", keep)
            mode = db.session.scalar(text("SHOW plan_cache_mode"))
            db.session.rollback()
        return page, [s for s in sent if "set_config('app." not in s], mode

    page, sent, mode = search(listing.CaseQuery(q="vis"))
    assert [c.client.family_name for c in page.cases] == ["Visser"] and page.total == 1
    assert len(sent) == 1 and sent[0].count("ILIKE") == 1 and ") AS matches" in sent[0]
    assert "count(*) OVER ()" in sent[0] and mode == "auto"
    past_the_end, sent, _ = search(listing.CaseQuery(q="vis", page=3))  # counts on its own
    assert past_the_end.query.page == 1 and past_the_end.total == 1 and len(sent) == 3
    assert [c.client.family_name for c in past_the_end.cases] == ["Visser"]
    assert search(listing.CaseQuery())[2] == "auto"
    assert search(listing.CaseQuery(q="111222333"))[2] == "auto"  # a citizen number

    monkeypatch.setattr(listing, "COUNT_LIMIT", 0)  # the cap: one page of one case
    page, sent, mode = search(listing.CaseQuery(q="a"), per_page=1)  # three match
    assert [c.client.family_name for c in page.cases] == ["Visser"] and page.more
    assert mode == "force_custom_plan" and "ILIKE" in sent[-1] and "matches" not in sent[-1]


def test_the_case_worker_filter_names_the_active_case_workers_of_the_municipality_by_name(
    tenants, in_tenant, make_case, sign_in
):
    """The filter's team comes in the page's own statement (``core.db.json_rows``): still
    this municipality's active case workers only, sorted by name, the chosen one selected."""
    anna, _cases = setup_cases(tenants, in_tenant, make_case)
    with in_tenant(tenants["deventer"]):
        bert = UserFactory(display_name="bert")  # sorted without regard to capitals
        UserFactory(display_name="Carla (left)", active=False)
        UserFactory(display_name="Daan the coordinator", role="tenant_admin")
    with in_tenant(tenants["zutphen"]):
        UserFactory(display_name="Zutphen's Eva")
    body = sign_in(anna).get(f"/cases/?worker={bert.id}").get_data(as_text=True)
    select = body.split('name="worker"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert options[2:] == [(str(anna.id), "Anna"), (str(bert.id), "bert")]
    assert f'<option value="{bert.id}" selected>' in select
