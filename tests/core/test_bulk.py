"""``app.core.bulk``: new objects written with one INSERT per table give the rows the
ORM's flush gives, stay in the session as after a flush, and keep the flush's guarantees
(the tenant stamp and check, a rolled-back savepoint forgets them)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select, text

from app.cases import services, timeline
from app.cases.intake.models import IntakeMessage
from app.cases.models import Case, Client, LifeDomain
from app.cases.plan.models import Task
from app.cases.timeline import EventKind, TimelineEntry
from app.core import bulk
from app.core.tenancy import TenantViolation
from app.extensions import db
from app.jobs.models import OutboxJob
from tests.cases.conftest import new_bsn
from tests.perf.statements import queries_captured

pytestmark = pytest.mark.postgres

MODELS = (Client, Case, LifeDomain, Task, TimelineEntry, IntakeMessage, OutboxJob)
# Moments and unique keys differ between two builds; that they are filled is checked apart.
PER_BUILD = {"created_at", "updated_at", "at", "received_at", "bsn", "message_key"}


def build(n: int, *, for_the_flush: bool = False) -> list:
    """``n`` files the way the intake builds them: a client, a case through its
    relationship with life domains in its collection, a task and a message key by
    foreign key only, timeline rows with JSON, a message key with JSON null, a job.
    ``for_the_flush``: the case is flushed before what refers to it by a bare foreign
    key (the unit of work orders tables only along relationships)."""
    built = []
    services.life_domain_kinds()  # read before: a query inside would flush what is built
    for i in range(n):
        client = Client(
            given_name="Bulk", family_name=f"Test{i}", date_of_birth=date(1990, 1, 1), bsn=new_bsn()
        )
        db.session.add(client)
        case = services.open_case(client, "bulk test", expected_release=date(2027, 3, 1))
        if for_the_flush:
            db.session.flush()
        task = Task(
            case_id=case.id,
            domain="housing",
            phase="in_detention",
            title=f"Taak {i}",
            responsible="aftercare_coordinator",
            due_date=date(2027, 1, 1),
        )
        db.session.add(task)
        timeline.record(case.id, EventKind.INTAKE, "bulk test", source="api", number=i)
        # domains None: JSON null, as the flush writes a given None.
        message = IntakeMessage(
            message_key=f"bulk-{uuid.uuid4()}", source="api", case_id=case.id, domains=None
        )
        db.session.add(message)
        # domains never given: SQL NULL.
        silent = IntakeMessage(message_key=f"bulk-{uuid.uuid4()}", source="form", case_id=case.id)
        db.session.add(silent)
        job = OutboxJob(id=uuid.uuid4(), function="app.x.y", queue="default")
        db.session.add(job)
        built += [client, case, *case.life_domains, task, message, silent, job]
    return built


def rows_of(built: list) -> dict[str, list[dict]]:
    """The rows written for ``built``, every id replaced by the object's place in the
    build, so two builds compare equal when they were written alike."""
    label = {obj.id: f"{type(obj).__name__}#{n}" for n, obj in enumerate(built)}
    label |= {
        entry.id: f"event#{n}"
        for n, entry in enumerate(
            e for e in db.session.identity_map.values() if isinstance(e, TimelineEntry)
        )
    }
    case_ids = [obj.id for obj in built if isinstance(obj, Case)]
    found = {}
    for model in MODELS:
        table = model.__table__
        where = table.c.id.in_([obj.id for obj in built if isinstance(obj, model)])
        if "case_id" in table.c:
            where = where | table.c.case_id.in_(case_ids)
        rows = []
        for row in db.session.execute(select(table).where(where)).mappings():
            assert all(row[name] is not None for name in PER_BUILD & set(row.keys()))
            rows.append(
                {key: _label(label, value) for key, value in row.items() if key not in PER_BUILD}
            )
        found[table.name] = sorted(rows, key=repr)
    return found


def _label(label: dict, value):
    if isinstance(value, uuid.UUID):
        return label.get(value, "<id>")
    return value


def test_rows_are_those_the_flush_writes(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        flushed = build(3, for_the_flush=True)
        db.session.flush()
        expected = rows_of(flushed)
        bulked = build(3)
        bulk.flush_new(db.session)
        assert rows_of(bulked) == expected
        # JSON null where a None was given, SQL NULL where nothing was (both read as None).
        for built in (flushed, bulked):
            given, silent = [obj.id for obj in built if isinstance(obj, IntakeMessage)][:2]
            domains = text(
                "SELECT coalesce(domains::text, 'SQL NULL') FROM intake_messages WHERE id = :id"
            )
            assert db.session.scalar(domains, {"id": given}) == "null"
            assert db.session.scalar(domains, {"id": silent}) == "SQL NULL"


def test_the_objects_are_persistent_and_not_written_again(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        built = build(2)
        bulk.flush_new(db.session)
        assert not db.session.new
        assert all(obj in db.session and not db.session.is_modified(obj) for obj in built)
        case = next(obj for obj in built if isinstance(obj, Case))
        assert db.session.get(Case, (tenants["deventer"].id, case.id)) is case
        with queries_captured() as statements:
            db.session.flush()
            case.facility = "PI Zwolle"
            db.session.flush()
        assert [s.split()[0] for s in statements] == ["UPDATE"]
        assert case.version == 2


def test_one_insert_per_table_whatever_the_number(tenants, in_tenant):
    def inserts(n: int) -> list[str]:
        build(n)
        with queries_captured() as statements:
            bulk.flush_new(db.session)
        return [s.split("(")[0] for s in statements if s.startswith("INSERT")]

    with in_tenant(tenants["deventer"]):
        assert inserts(1) == inserts(50)
        five = inserts(5)
        assert len(five) == len(set(five)) == len(MODELS) + 1  # and the phase history


def test_another_tenants_row_is_refused_as_by_the_flush(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        build(1)
        db.session.add(
            Client(
                tenant_id=tenants["zutphen"].id,
                given_name="Ander",
                family_name="Gemeente",
                date_of_birth=date(1990, 1, 1),
                bsn=new_bsn(),
            )
        )
        with pytest.raises(TenantViolation):
            bulk.flush_new(db.session)
        db.session.rollback()
        assert db.session.scalar(select(Client.id).where(Client.family_name == "Gemeente")) is None


def test_a_rolled_back_savepoint_forgets_them_as_after_a_flush(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        savepoint = db.session.begin_nested()
        built = build(1)
        bulk.flush_new(db.session)
        savepoint.rollback()
        assert not any(obj in db.session for obj in built)
        case = next(obj for obj in built if isinstance(obj, Case))
        assert db.session.scalar(select(Case.id).where(Case.id == case.id)) is None


def test_rows_without_objects_are_those_the_flush_writes(tenants, in_tenant):
    deventer = tenants["deventer"]
    with in_tenant(deventer):
        case = next(obj for obj in build(1) if isinstance(obj, Case))
        bulk.flush_new(db.session)
        values = {
            "case_id": case.id,
            "domain": "income",
            "phase": "release_preparation",
            "title": "Uitkering aanvragen",
            "responsible": "income",
            "due_date": date(2027, 2, 1),
            "anchor": "release",
            "offset_days": -28,
        }
        flushed = Task(**values)
        db.session.add(flushed)
        db.session.flush()
        row = dict(values)
        bulk.insert_new_rows(db.session, Task, [row])
        # What the flush fills in is in the row too: the tenant, the id, the defaults.
        assert row["tenant_id"] == deventer.id
        assert isinstance(row["id"], uuid.UUID)
        assert (row["status"], row["version"], row["before_release"]) == ("open", 1, True)
        tasks = Task.__table__
        written = {
            r.id: {k: v for k, v in r._mapping.items() if k not in ("id", *PER_BUILD)}
            for r in db.session.execute(select(tasks).where(tasks.c.case_id == case.id))
        }
        assert written[row["id"]] == written[flushed.id]
        with pytest.raises(TenantViolation):
            bulk.insert_new_rows(db.session, Task, [dict(values, tenant_id=tenants["zutphen"].id)])
