"""Two people editing one item: one wins, the other gets the conflict message, nothing is lost."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from app.cases import notes, services
from app.cases.handover import services as handover
from app.cases.models import Case, LifeDomain
from app.cases.plan import services as plan
from app.cases.timeline import entries_for
from app.core.actions import Conflict
from app.extensions import db
from tests.cases.conftest import submission_key
from tests.factories import UserFactory


def version_in(body: str, name: str = "version") -> str:
    return re.search(rf'name="{name}" value="(\d+)"', body).group(1)


def test_the_second_save_of_a_stale_form_gets_the_conflict_and_keeps_its_input(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        housing = db.session.get(Case, (case.tenant_id, case.id)).domain("housing")
        anna, bert = UserFactory(display_name="Anna"), UserFactory(display_name="Bert")
    a, b = worker_client(anna), worker_client(bert)
    url = f"/cases/{case.id}/domains/{housing.id}"
    htmx = {"HX-Request": "true"}
    form_a = a.get(url + "/edit", headers=htmx).get_data(as_text=True)
    form_b = b.get(url + "/edit", headers=htmx).get_data(as_text=True)
    assert version_in(form_a) == version_in(form_b)

    first = a.post(
        url,
        headers=htmx,
        data={
            "version": version_in(form_a),
            "status": "arranged",
            "need": "Kamer via Humanitas",
            "notes": "Anna belde",
        },
    )
    assert first.status_code == 200 and "Kamer via Humanitas" in first.get_data(as_text=True)

    second = b.post(
        url,
        headers=htmx,
        data={
            "version": version_in(form_b),
            "status": "not_arranged",
            "need": "Bert zijn hulpvraag",
            "notes": "Bert belde",
        },
    )
    body = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Iemand anders heeft dit intussen opgeslagen" in body
    assert "Bert zijn hulpvraag" in body  # the user's input stays in the form
    assert "Kamer via Humanitas" in body  # beside the version saved in the meantime
    with in_tenant(tenants["deventer"]):
        saved = db.session.get(LifeDomain, (housing.tenant_id, housing.id))
        assert (saved.status, saved.need) == ("arranged", "Kamer via Humanitas")

    # Saving again on top of the current version works: nothing was lost on either side.
    third = b.post(
        url,
        headers=htmx,
        data={
            "version": version_in(body),
            "status": "not_arranged",
            "need": "Bert zijn hulpvraag",
            "notes": "Bert belde",
        },
    )
    assert third.status_code == 200
    with in_tenant(tenants["deventer"]):
        saved = db.session.get(LifeDomain, (housing.tenant_id, housing.id))
        assert saved.need == "Bert zijn hulpvraag"
        from app.cases.timeline import entries_for

        assert [e.actor_name for e in entries_for(case.id) if e.kind == "domain_updated"] == [
            "Bert",
            "Anna",
        ]


def test_a_save_racing_in_between_load_and_write_is_a_conflict_too(tenants, in_tenant, make_case):
    """Both loaded version 1; the other commits first; the database refuses the stale write."""
    case = make_case(tenants["zutphen"])
    with in_tenant(tenants["zutphen"]):
        mine = db.session.get(Case, (case.tenant_id, case.id)).domain("debts")
        loaded_version = mine.version
        with in_tenant(tenants["zutphen"]):  # another request, its own session
            theirs = db.session.get(Case, (case.tenant_id, case.id)).domain("debts")
            services.update_life_domain(
                theirs,
                expected_version=theirs.version,
                actor="ander",
                status="arranged",
                need="CJIB geregeld",
                notes=None,
            )
            db.session.commit()
        with pytest.raises(Conflict) as conflict:
            services.update_life_domain(
                mine,
                expected_version=loaded_version,
                actor="ik",
                status="not_arranged",
                need="Mijn tekst",
                notes=None,
            )
        assert conflict.value.current.need == "CJIB geregeld"
    with in_tenant(tenants["zutphen"]):
        saved = db.session.get(Case, (case.tenant_id, case.id)).domain("debts")
        assert saved.need == "CJIB geregeld"


def test_stale_case_details_form_gets_the_conflict(tenants, in_tenant, make_case, worker_client):
    case = make_case(tenants["lochem"])
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    client = worker_client(worker)
    data = {
        "version": str(case.version),
        "facility": "PI Arnhem",
        "detention_start": case.detention_start.isoformat(),
        "expected_release": case.expected_release.isoformat(),
    }
    assert client.post(f"/cases/{case.id}/details", data=data).status_code == 302
    stale = client.post(f"/cases/{case.id}/details", data={**data, "facility": "PI Lelystad"})
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Iemand anders heeft dit intussen opgeslagen" in body
    assert 'value="PI Lelystad"' in body


def details_form(page: str, **changes) -> dict:
    """The case-details form as the page rendered it, with the user's changes."""
    form = page.split('/details"', 1)[1].split("</form>", 1)[0]
    fields = {}
    for name in (
        "version",
        "client_version",
        "address",
        "postal_address",
        "intended_address",
        "facility",
        "detention_start",
        "expected_release",
    ):
        match = re.search(rf'name="{name}" value="([^"]*)"', form)
        fields[name] = match.group(1) if match else ""
    return {**fields, **changes}


def test_a_stale_form_does_not_overwrite_the_clients_address_changed_since(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["deventer"], client={"address": "Brink 1, Deventer"})
    with in_tenant(tenants["deventer"]):
        anna, bert = UserFactory(display_name="Anna"), UserFactory(display_name="Bert")
    a, b = worker_client(anna), worker_client(bert)
    url = f"/cases/{case.id}"
    # The details form is folded on the page (app.cases.panels.FORMS): asked for unfolded.
    unfolded = url + "?open=edit-details"
    page_a = a.get(unfolded).get_data(as_text=True)
    page_b = b.get(unfolded).get_data(as_text=True)

    # Anna changes only the client's address: the case's own version stays as it was.
    first = a.post(url + "/details", data=details_form(page_a, address="Lange Bisschopstraat 2"))
    assert first.status_code == 302

    # Bert's form still shows the old address; he fills in a postal address and saves.
    second = b.post(url + "/details", data=details_form(page_b, postal_address="Postbus 9"))
    body = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Iemand anders heeft dit intussen opgeslagen" in body
    assert 'value="Postbus 9"' in body  # his input stays in the form
    assert "Lange Bisschopstraat 2" in body  # the saved address is on the page
    with in_tenant(tenants["deventer"]):
        saved = db.session.get(Case, (case.tenant_id, case.id)).client
        assert (saved.address, saved.postal_address) == ("Lange Bisschopstraat 2", None)

    # Saving again from the page he now has keeps both changes.
    third = b.post(url + "/details", data=details_form(body, address="Lange Bisschopstraat 2"))
    assert third.status_code == 302
    with in_tenant(tenants["deventer"]):
        saved = db.session.get(Case, (case.tenant_id, case.id)).client
        assert (saved.address, saved.postal_address) == ("Lange Bisschopstraat 2", "Postbus 9")


def test_a_client_save_racing_in_between_load_and_write_is_a_conflict(
    tenants, in_tenant, make_case
):
    case = make_case(tenants["zutphen"])
    with in_tenant(tenants["zutphen"]):
        mine = db.session.get(Case, (case.tenant_id, case.id))
        loaded_version = mine.client.version
        with in_tenant(tenants["zutphen"]):  # another request, its own session
            theirs = db.session.get(Case, (case.tenant_id, case.id))
            services.update_client(
                theirs, expected_version=loaded_version, actor="ander", address="Houtmarkt 3"
            )
            db.session.commit()
        with pytest.raises(Conflict) as conflict:
            services.update_client(
                mine, expected_version=loaded_version, actor="ik", address="Mijn adres"
            )
        assert conflict.value.current.address == "Houtmarkt 3"
    with in_tenant(tenants["zutphen"]):
        assert db.session.get(Case, (case.tenant_id, case.id)).client.address == "Houtmarkt 3"


def _missing_version_forms(case, worker):
    """(url, form without its version, read back what the form would have changed)."""
    loaded = db.session.get(Case, (case.tenant_id, case.id))

    def fresh():
        return db.session.get(Case, (case.tenant_id, case.id))

    note = notes.add_note(loaded, worker, "Eerste gesprek")
    handover.record_basis(
        loaded, "t", domain="housing", basis="statutory", effective_on=case.detention_start
    )
    referral = handover.refer(
        loaded, "t", domain="housing", partner="supported_housing", request=None
    )
    trajectory = handover.hand_over(loaded, "t", start_date=case.detention_start)
    task = plan.add_task(
        loaded,
        "t",
        domain="housing",
        title="Woning",
        responsible="aftercare_coordinator",
        due_date=case.expected_release,
    )
    db.session.flush()
    base = f"/cases/{case.id}"
    return [
        (f"{base}/phase", {"phase": "in_detention"}, lambda: fresh().phase),
        (
            f"{base}/release",
            {"released_on": case.detention_start.isoformat()},
            lambda: fresh().actual_release,
        ),
        (
            f"{base}/tasks/{task.id}/done",
            {"done": "1"},
            lambda: plan.access_task(fresh(), task.id).status,
        ),
        (
            f"{base}/details",
            {
                "facility": "PI Lelystad",
                "detention_start": case.detention_start.isoformat(),
                "expected_release": case.expected_release.isoformat(),
            },
            lambda: fresh().facility,
        ),
        (
            f"{base}/notes/{note.id}",
            {"body": "Overschreven"},
            lambda: notes.access_note(fresh(), note.id).body,
        ),
        (
            f"{base}/referrals/{referral.id}",
            {"status": "accepted"},
            lambda: handover.access_referral(fresh(), referral.id).status,
        ),
        (
            f"{base}/trajectories/{trajectory.id}",
            {"status": "cancelled", "end_date": ""},
            lambda: handover.access_trajectory(fresh(), trajectory.id).status,
        ),
        # The client's fields carry a version of their own.
        (
            f"{base}/details",
            {
                "version": str(loaded.version),
                "address": "Nieuwstraat 1",
                "detention_start": case.detention_start.isoformat(),
                "expected_release": case.expected_release.isoformat(),
            },
            lambda: fresh().client.address,
        ),
    ]


def test_a_form_without_its_version_is_refused_and_saves_nothing(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["raalte"])
    with in_tenant(tenants["raalte"]):
        worker = UserFactory()
        forms = _missing_version_forms(case, worker)
        db.session.commit()
        saved_before = [read() for _, _, read in forms]
    client = worker_client(worker)
    for url, data, _read in forms:
        response = client.post(url, data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, url
        assert "Dit formulier is onvolledig: laad de pagina opnieuw" in body, url
    with in_tenant(tenants["raalte"]):
        assert [read() for _, _, read in forms] == saved_before
    # The details form keeps what was typed.
    details = next(form for form in forms if form[0].endswith("/details"))
    kept = client.post(details[0], data=details[1]).get_data(as_text=True)
    assert 'value="PI Lelystad"' in kept


# --- twenty saves of one edit form at the same moment (real threads, PostgreSQL) ------------

SAVES = 20


def save_at_once(clients, url: str, forms: list[dict], htmx: bool = False) -> list:
    """POST ``forms[i]`` with ``clients[i]``, all threads released together; the responses.

    Each request runs in its own thread with its own session and connection, as under
    gunicorn's threads: the saves really overlap in PostgreSQL."""
    barrier = threading.Barrier(len(clients))
    headers = {"HX-Request": "true"} if htmx else {}

    def post(i: int):
        barrier.wait()
        return clients[i].post(url, data=forms[i], headers=headers)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(post, range(len(clients))))


def assert_one_winner(responses, success: int) -> int:
    """Exactly one save went through; every other one got the conflict (409), none a 500.
    Returns the winner's index."""
    statuses = [r.status_code for r in responses]
    assert statuses.count(success) == 1, statuses
    assert statuses.count(409) == len(statuses) - 1, statuses
    for response in responses:
        if response.status_code == 409:
            assert "Iemand anders heeft dit intussen opgeslagen" in response.get_data(as_text=True)
    return statuses.index(success)


@pytest.fixture
def crowd(tenants, in_tenant, worker_client):
    """``crowd(tenant)``: one case worker of ``tenant`` and twenty signed-in clients of theirs
    (as twenty browser tabs): the note's author can edit it from each."""

    def make(tenant):
        with in_tenant(tenant):
            worker = UserFactory(display_name="Tab")
        return worker, [worker_client(worker) for _ in range(SAVES)]

    return make


def reload(case):
    return db.session.get(Case, (case.tenant_id, case.id))


@pytest.mark.postgres
def test_twenty_saves_of_a_life_domain_at_once_give_one_winner(
    tenants, in_tenant, make_case, crowd
):
    case = make_case(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        housing = reload(case).domain("housing")
    _worker, clients = crowd(tenants["deventer"])
    forms = [
        {"version": housing.version, "status": "arranged", "need": f"Kamer {i}", "notes": ""}
        for i in range(SAVES)
    ]
    responses = save_at_once(clients, f"/cases/{case.id}/domains/{housing.id}", forms, htmx=True)
    winner = assert_one_winner(responses, 200)
    with in_tenant(tenants["deventer"]):
        saved = reload(case).domain("housing")
        assert (saved.need, saved.version) == (f"Kamer {winner}", housing.version + 1)


@pytest.mark.postgres
def test_twenty_moves_of_the_expected_release_at_once_give_one_winner(
    tenants, in_tenant, make_case, crowd
):
    case = make_case(tenants["lochem"], plan=True)
    _worker, clients = crowd(tenants["lochem"])
    forms = [
        {
            "version": case.version,
            "facility": case.facility,
            "detention_start": case.detention_start.isoformat(),
            "expected_release": (case.expected_release + timedelta(days=i + 1)).isoformat(),
        }
        for i in range(SAVES)
    ]
    responses = save_at_once(clients, f"/cases/{case.id}/details", forms)
    winner = assert_one_winner(responses, 302)
    with in_tenant(tenants["lochem"]):
        assert reload(case).expected_release == case.expected_release + timedelta(days=winner + 1)
        moves = [e for e in entries_for(case.id) if e.kind == "release_moved"]
        assert len(moves) == 1


@pytest.mark.postgres
def test_twenty_phase_changes_at_once_give_one_winner(tenants, in_tenant, make_case, crowd):
    case = make_case(tenants["raalte"])
    _worker, clients = crowd(tenants["raalte"])
    forms = [{"version": case.version, "phase": "in_detention"} for _ in range(SAVES)]
    assert_one_winner(save_at_once(clients, f"/cases/{case.id}/phase", forms), 302)
    with in_tenant(tenants["raalte"]):
        assert reload(case).phase == "in_detention"
        assert len(reload(case).phase_changes) == 2


@pytest.mark.postgres
def test_twenty_recordings_of_the_release_at_once_give_one_winner(
    tenants, in_tenant, make_case, crowd
):
    case = make_case(tenants["zutphen"], plan=True)
    _worker, clients = crowd(tenants["zutphen"])
    forms = [
        {"version": case.version, "released_on": (date.today() - timedelta(days=i)).isoformat()}
        for i in range(SAVES)
    ]
    winner = assert_one_winner(save_at_once(clients, f"/cases/{case.id}/release", forms), 302)
    with in_tenant(tenants["zutphen"]):
        saved = reload(case)
        assert saved.actual_release == date.today() - timedelta(days=winner)
        assert len([s for s in saved.snapshots if s.moment == "release"]) == len(saved.life_domains)


@pytest.mark.postgres
def test_twenty_clicks_on_a_tasks_done_at_once_give_one_winner(
    tenants, in_tenant, make_case, crowd
):
    case = make_case(tenants["olst-wijhe"], plan=True)
    with in_tenant(tenants["olst-wijhe"]):
        task = plan.tasks_of(reload(case))[0]
    _worker, clients = crowd(tenants["olst-wijhe"])
    forms = [{"version": task.version, "done": "1"} for _ in range(SAVES)]
    url = f"/cases/{case.id}/tasks/{task.id}/done"
    assert_one_winner(save_at_once(clients, url, forms, htmx=True), 200)
    with in_tenant(tenants["olst-wijhe"]):
        assert [e.kind for e in entries_for(case.id)].count("task_done") == 1


@pytest.mark.postgres
def test_twenty_edits_of_a_note_at_once_give_one_winner(tenants, in_tenant, make_case, crowd):
    case = make_case(tenants["deventer"])
    worker, clients = crowd(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        note = notes.add_note(reload(case), worker, "Eerste gesprek")
        db.session.commit()
    forms = [{"version": note.version, "body": f"Versie {i}"} for i in range(SAVES)]
    responses = save_at_once(clients, f"/cases/{case.id}/notes/{note.id}", forms, htmx=True)
    winner = assert_one_winner(responses, 200)
    with in_tenant(tenants["deventer"]):
        saved = notes.access_note(reload(case), note.id)
        assert saved.body == f"Versie {winner}"
        assert [r.body for r in saved.revisions] == ["Eerste gesprek"]


@pytest.mark.postgres
def test_twenty_outcomes_of_a_referral_at_once_give_one_winner(
    tenants, in_tenant, make_case, crowd
):
    case = make_case(tenants["lochem"])
    with in_tenant(tenants["lochem"]):
        loaded = reload(case)
        handover.record_basis(
            loaded, "t", domain="housing", basis="statutory", effective_on=case.detention_start
        )
        referral = handover.refer(
            loaded, "t", domain="housing", partner="supported_housing", request=None
        )
        db.session.commit()
    _worker, clients = crowd(tenants["lochem"])
    forms = [
        {"version": referral.version, "status": "accepted", "outcome": f"Plek {i}"}
        for i in range(SAVES)
    ]
    url = f"/cases/{case.id}/referrals/{referral.id}"
    winner = assert_one_winner(save_at_once(clients, url, forms), 302)
    with in_tenant(tenants["lochem"]):
        saved = handover.access_referral(reload(case), referral.id)
        assert (saved.status, saved.outcome) == ("accepted", f"Plek {winner}")


# --- one row per submitted create form -------------------------------------------------------


def task_form(case, key: str) -> dict:
    return {
        "submission_key": key,
        "title": "Huurtoeslag aanvragen",
        "domain": "income",
        "responsible": "income",
        "due_date": (date.today() + timedelta(days=3)).isoformat(),
    }


def consent_form(case, key: str) -> dict:
    return {
        "submission_key": key,
        "domain": "housing",
        "basis": "consent_given",
        "effective_on": date.today().isoformat(),
        "note": "Mondeling",
    }


def added_tasks(case) -> list:
    return [t for t in plan.tasks_of(reload(case)) if t.title == "Huurtoeslag aanvragen"]


def recorded_consents(case) -> list:
    return handover.consent_history(reload(case))


CREATE_FORMS = [
    ("tasks", task_form, added_tasks, "task_added"),
    ("consents", consent_form, recorded_consents, "consent"),
]


@pytest.mark.parametrize(("path", "form", "rows", "event"), CREATE_FORMS)
def test_a_double_submit_of_a_create_form_makes_one_row(
    tenants, in_tenant, make_case, worker_client, path, form, rows, event
):
    case = make_case(tenants["zutphen"])
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
    client = worker_client(worker)
    # The consent form is in the sharing panel, the task form folded: the page shows both
    # when asked to.
    page = client.get(f"/cases/{case.id}?open=sharing,add-task").get_data(as_text=True)
    key = submission_key(page, f"/cases/{case.id}/{path}")
    first = client.post(f"/cases/{case.id}/{path}", data=form(case, key))
    second = client.post(f"/cases/{case.id}/{path}", data=form(case, key))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with in_tenant(tenants["zutphen"]):
        assert len(rows(case)) == 1
        assert [e.kind for e in entries_for(case.id)].count(event) == 1
    # A new page has a new key: the same text saved again on purpose is a second row.
    page = client.get(f"/cases/{case.id}?open=sharing,add-task").get_data(as_text=True)
    again = submission_key(page, f"/cases/{case.id}/{path}")
    assert again != key
    assert client.post(f"/cases/{case.id}/{path}", data=form(case, again)).status_code == 302
    with in_tenant(tenants["zutphen"]):
        assert len(rows(case)) == 2


@pytest.mark.postgres
@pytest.mark.parametrize(("path", "form", "rows", "event"), CREATE_FORMS)
def test_twenty_posts_of_one_create_form_at_once_make_one_row(
    tenants, in_tenant, make_case, crowd, path, form, rows, event
):
    """The lost races answer as the winner did (its redirect), never a 500."""
    case = make_case(tenants["deventer"])
    _worker, clients = crowd(tenants["deventer"])
    key = str(uuid.uuid4())
    responses = save_at_once(clients, f"/cases/{case.id}/{path}", [form(case, key)] * SAVES)
    assert [r.status_code for r in responses] == [302] * SAVES
    with in_tenant(tenants["deventer"]):
        assert len(rows(case)) == 1
        assert [e.kind for e in entries_for(case.id)].count(event) == 1
