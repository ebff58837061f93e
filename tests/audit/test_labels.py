"""People read Dutch words on the privacy pages and in the citizen's PDF, never stored codes."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template
from flask_babel import force_locale

from app.audit import views as audit_views
from app.audit.labels import column_label
from app.audit.models import AccessAction, DestructionRecord
from app.audit.records import dependents
from app.audit.services import record_access
from app.audit.subject_access import columns, technical_columns
from app.cases.models import Client
from app.core.permissions import Role
from app.extensions import db
from tests.factories import ClientFactory, UserFactory


@pytest.fixture
def logged(app, tenants, in_tenant):
    """A Zutphen client whose file was viewed, exported and once refused."""
    zutphen = tenants["zutphen"]
    with in_tenant(zutphen):
        client = ClientFactory(family_name="Labelaar")
        worker = UserFactory(display_name="Carla Casemanager")
        officer = UserFactory(role=Role.PRIVACY_OFFICER.value)
    with app.test_request_context():
        for action, object_type, result in (
            (AccessAction.READ, "case", "granted"),
            (AccessAction.EXPORT, "case", "granted"),
            (AccessAction.SEARCH, "case_list", "failed 404"),
        ):
            record_access(
                worker,
                tenant_id=zutphen.id,
                client_id=client.id,
                object_type=object_type,
                object_id=None,
                action=action,
                result=result,
            )
    return {"client": client, "worker": worker, "officer": officer}


RAW_CELLS = ("read", "export", "search", "case", "case_list", "granted", "failed 404")


ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:")


def cells(page: str) -> set[str]:
    return set(re.findall(r'<td class="utrecht-table__cell">([^<]*)</td>', page))


def test_the_access_report_shows_dutch_actions_objects_and_results(app, logged, sign_in):
    client = sign_in(logged["officer"])
    for url in (
        f"/privacy/clients/{logged['client'].id}",
        f"/privacy/employees/{logged['worker'].id}",
    ):
        page = client.get(url).get_data(as_text=True)
        shown = cells(page)
        assert {"Ingezien", "Geëxporteerd", "Gezocht"} <= shown, url
        assert {"Dossier", "Dossierlijst", "Toegestaan", "Mislukt (404)"} <= shown, url
        assert "Casemanager" in shown  # the role, as before
        assert not shown & set(RAW_CELLS), url


def test_the_destruction_list_shows_dutch_rules_kinds_and_tables(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["zutphen"]):
        db.session.add(
            DestructionRecord(
                rule="closed_case",
                record_type="case",
                record_id="0f0e",
                due_on=date(2026, 11, 29),
                counts={"cases": 1, "life_domains": 5, "case_note_revisions": 2},
            )
        )
        db.session.add(
            DestructionRecord(
                rule="detention_notice",
                record_type="intake_message",
                counts={"intake_messages": 3},
            )
        )
        officer = UserFactory(role=Role.PRIVACY_OFFICER.value)
    page = sign_in(officer).get("/privacy/vernietigingslijst").get_data(as_text=True)
    shown = cells(page)
    assert {"Afgesloten dossier", "Dossier", "Meldingen van begin en einde detentie"} <= shown
    assert "Detentiemelding" in shown
    assert "Dossiers: 1, Leefgebieden: 5, Eerdere versies van notities: 2" in shown
    assert "Detentiemeldingen: 3" in shown
    for raw in ("closed_case", "detention_notice", "intake_message", "life_domains", "cases:"):
        assert raw not in page


def test_the_subject_access_json_keeps_codes_with_dutch_labels_beside_them(app, logged, sign_in):
    response = sign_in(logged["officer"]).get(f"/privacy/clients/{logged['client'].id}/inzage.json")
    bundle = json.loads(response.get_data(as_text=True))
    by_action = {entry["action"]: entry for entry in bundle["access_report"]}
    read = by_action["read"]
    assert (read["action_label"], read["object_label"], read["result_label"]) == (
        "Ingezien",
        "Dossier",
        "Toegestaan",
    )
    assert read["role"] == "case_worker" and read["role_label"] == "Casemanager"
    assert by_action["export"]["action_label"] == "Geëxporteerd"
    assert by_action["search"]["result_label"] == "Mislukt (404)"
    assert datetime.fromisoformat(read["occurred_at"])  # the code stays ISO 8601
    assert not ISO_TIME.search(read["occurred_at_label"])


def test_the_subject_access_pdf_shows_only_dutch_words_and_local_times(
    app, logged, sign_in, monkeypatch
):
    rendered: list[str] = []

    def capture(template, **context):
        rendered.append(render_template(template, **context))
        return b"%PDF-1.7 test"

    monkeypatch.setattr(audit_views, "render_pdf", capture)
    response = sign_in(logged["officer"]).get(f"/privacy/clients/{logged['client'].id}/inzage.pdf")
    assert response.status_code == 200
    (html,) = rendered
    for word in ("Ingezien", "Geëxporteerd", "Gezocht", "Casemanager", "Toegestaan", "Dossier"):
        assert f"<td>{word}</td>" in html, word
    for raw in ("read", "export", "case_worker", "granted", "failed 404"):
        assert f"<td>{raw}</td>" not in html, raw
    # Times as the portal shows them, never ISO 8601 (2026-11-29T10:00:00+00:00): the
    # access report's and the moment the answer was made.
    report = html.split("<h2>", 1)[0] + html.rsplit("<h2>", 1)[1]
    assert not ISO_TIME.search(report)


CATALOGUE = Path(__file__).resolve().parents[2] / "app/translations/nl/LC_MESSAGES/messages.po"


def test_every_column_of_an_access_request_has_a_dutch_label_or_is_technical(app):
    """A column added to a table that hangs on a client must not reach the citizen's PDF
    under its stored name: give it a label (``info={"label": ...}`` on the column, or its
    feature's vocabulary) with its Dutch text in the catalogue, or mark it technical
    when it means nothing to the citizen (app.audit.vocabulary)."""
    with open(CATALOGUE, "rb") as handle:
        dutch = {m.id: m.string for m in read_po(handle, locale="nl") if m.id and not m.fuzzy}
    with app.test_request_context():
        included = [Client] + [cls for cls, _ids in dependents(Client, [])]
        unlabelled = []
        for cls in included:
            for key in columns(cls):
                if key in technical_columns():
                    continue
                with force_locale("en"):
                    msgid = column_label(key)
                    msgid = None if msgid == key else msgid
                if msgid is None or not dutch.get(msgid):
                    unlabelled.append(f"{cls.__tablename__}.{key}")
        assert unlabelled == []
        every_column = {key for cls in included for key in columns(cls)}
        technical = technical_columns()
    # The JSON puts a column's Dutch text under "<column>_label": no column may be called so.
    assert not {key for key in every_column if key.endswith("_label")}
    # The technical set names only columns that exist: it stays small and explicit.
    assert set(technical - every_column) == set()
