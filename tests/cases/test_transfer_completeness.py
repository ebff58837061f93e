"""Transfer completeness: everything that hangs on a case moves, nothing stays behind.

The tables are taken from the catalogue (the generic walk ``audit.records.dependents``,
the one retention and the access request use), never from a hand list, so a table a
later feature adds is counted here without anyone naming it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import ForeignKeyConstraint, String, create_engine, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from app.audit.records import dependents
from app.cases import transfer
from app.cases.models import Case, Client
from app.cases.notes import Note
from app.cases.plan.models import Task, TaskTemplate
from app.cases.timeline import TimelineEntry
from app.core import rls
from app.core.db import TenantScoped
from app.extensions import db
from tests.audit.test_subject_access import full_file  # noqa: F401 - the fixture
from tests.conftest import MIGRATION_DATABASE_URL, USING_POSTGRES
from tests.factories import TaskFactory, TaskTemplateFactory
from tests.throwaway import forget_model

TOMBSTONE = TimelineEntry.__tablename__


def file_tables() -> list[type]:
    """Every table of a client's file, from the catalogue."""
    return [Client] + [model for model, _ids in dependents(Client, [])]


def counts(in_tenant, tenant) -> dict[str, int]:
    with in_tenant(tenant):
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in file_tables()
        }


def state_of(in_tenant, tenant, case_id) -> list[str]:
    with in_tenant(tenant):
        return list(
            db.session.scalars(
                select(transfer.CaseTransfer.state).where(
                    transfer.CaseTransfer.transferred_case_id == case_id
                )
            )
        )


def move(in_tenant, sender, case_id, receiver) -> None:
    with in_tenant(sender):
        case = db.session.get(Case, (sender.id, case_id))
        transfer.transfer_case(case, receiver.id, "Casemanager Deventer", "Verhuisd")


def expected_after(before: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """(sender, receiver) after the move: all rows moved but those that stay with the sender
    (the trajectories: its money; ``transfer.staying_tables``); each side one transfer line
    more."""
    staying = transfer.staying_tables()
    sender = {table: before[table] if table in staying else 0 for table in before}
    receiver = {table: 0 if table in staying else n for table, n in before.items()}
    return sender | {TOMBSTONE: 1}, receiver | {TOMBSTONE: before[TOMBSTONE] + 1}


def test_a_transfer_moves_every_table_of_the_file_and_leaves_none_behind(
    tenants,
    in_tenant,
    full_file,  # noqa: F811
):
    deventer, lochem = tenants["deventer"], tenants["lochem"]
    case_id = uuid.UUID(full_file["case"])
    with in_tenant(deventer):
        template = TaskTemplateFactory()
        TaskFactory(case=db.session.get(Case, (deventer.id, case_id)), template_id=template.id)
    before = counts(in_tenant, deventer)
    # The receiver's record of an offer is no part of a sender's file.
    assert all(n for t, n in before.items() if t != "incoming_transfers"), (
        f"the full file misses a table: {before}"
    )
    assert {"trajectories", "incoming_transfers"} <= transfer.staying_tables()
    assert not any(counts(in_tenant, lochem).values())

    move(in_tenant, deventer, case_id, lochem)

    sender, receiver = expected_after(before)
    assert counts(in_tenant, deventer) == sender
    assert counts(in_tenant, lochem) == receiver
    assert state_of(in_tenant, deventer, case_id) == ["done"]
    with in_tenant(lochem):
        # Links to the sender's users and templates stay behind; the names travel as text.
        assert db.session.scalars(select(Note.author_id)).all() == [None]
        assert db.session.scalar(select(func.count()).select_from(Note)) == 1
        assert set(db.session.scalars(select(Task.template_id))) == {None}
        assert db.session.scalar(select(func.count()).select_from(TaskTemplate)) == 0
        assert db.session.get(Case, (lochem.id, case_id)).transferred_from == "Deventer"
    with in_tenant(deventer):
        assert db.session.scalar(select(func.count()).select_from(TaskTemplate)) == 1


def test_a_transfer_interrupted_after_the_copy_finishes_when_run_again_writing_nothing_twice(
    tenants,
    in_tenant,
    full_file,  # noqa: F811
    monkeypatch,
):
    deventer, zutphen = tenants["deventer"], tenants["zutphen"]
    case_id = uuid.UUID(full_file["case"])
    before = counts(in_tenant, deventer)
    real_remove = transfer._remove_from_sender

    def connection_lost(*args, **kwargs):
        monkeypatch.setattr(transfer, "_remove_from_sender", real_remove)
        raise RuntimeError("connection lost")

    monkeypatch.setattr(transfer, "_remove_from_sender", connection_lost)
    with pytest.raises(RuntimeError):
        move(in_tenant, deventer, case_id, zutphen)
    sender, receiver = expected_after(before)
    assert counts(in_tenant, deventer) == before  # half done: on both sides
    assert counts(in_tenant, zutphen) == receiver
    assert state_of(in_tenant, deventer, case_id) == ["copied"]

    move(in_tenant, deventer, case_id, zutphen)

    assert counts(in_tenant, deventer) == sender
    assert counts(in_tenant, zutphen) == receiver
    assert state_of(in_tenant, deventer, case_id) == ["done"]


# --- a table no package names: defined only here ------------------------------------------


def _owner_engine():
    return create_engine(MIGRATION_DATABASE_URL) if USING_POSTGRES else db.engine


class ThrowawayTable:
    """A tenant-owned model with a composite foreign key to ``parent``, created for one
    test (with the migration helper's RLS on PostgreSQL) and removed afterwards."""

    def __init__(self, app, name: str, parent: str, column: str) -> None:
        self.app, self.name = app, name
        self.model = type(
            name.title().replace("_", ""),
            (TenantScoped, db.Model),
            {
                "__tablename__": name,
                "__table_args__": (
                    ForeignKeyConstraint(
                        ["tenant_id", column], [f"{parent}.tenant_id", f"{parent}.id"]
                    ),
                ),
                "__annotations__": {column: Mapped[uuid.UUID], "label": Mapped[str]},
                "label": mapped_column(String(50)),
            },
        )

    def __enter__(self) -> type:
        table = self.model.__table__
        with self.app.app_context():
            owner = _owner_engine()
            with owner.begin() as connection:
                table.create(connection)
                with Operations.context(MigrationContext.configure(connection)):
                    rls.protect_tenant_table(table.name)
            if owner is not db.engine:
                owner.dispose()
        return self.model

    def __exit__(self, *exc) -> None:
        table = self.model.__table__
        with self.app.app_context():
            owner = _owner_engine()
            with owner.begin() as connection:
                table.drop(connection)
            if owner is not db.engine:
                owner.dispose()
        # Without this the catalogue tests that follow (models against migrations, a
        # factory per model) would see it.
        forget_model(self.model)


@pytest.fixture
def attachment_model(app):
    with ThrowawayTable(app, "test_case_attachments", "cases", "case_id") as model:
        yield model


@pytest.fixture
def contact_model(app):
    with ThrowawayTable(app, "test_client_contacts", "clients", "client_id") as model:
        yield model


def test_a_table_only_the_test_defines_moves_with_the_case_and_is_off_the_regional_read(
    tenants, in_tenant, make_case, attachment_model
):
    olst, raalte = tenants["olst-wijhe"], tenants["raalte"]
    case = make_case(olst, plan=True)
    with in_tenant(olst):
        db.session.add(attachment_model(case_id=case.id, label="Huurcontract"))
        db.session.commit()
    assert counts(in_tenant, olst)["test_case_attachments"] == 1

    move(in_tenant, olst, case.id, raalte)

    assert counts(in_tenant, olst)["test_case_attachments"] == 0
    with in_tenant(raalte):
        (moved,) = db.session.scalars(select(attachment_model)).all()
        assert (moved.tenant_id, moved.case_id, moved.label) == (raalte.id, case.id, "Huurcontract")
    if USING_POSTGRES:
        owner = create_engine(MIGRATION_DATABASE_URL)
        with owner.connect() as connection:
            policies = connection.execute(
                text("SELECT policyname FROM pg_policies WHERE tablename = :t"),
                {"t": "test_case_attachments"},
            ).scalars()
            assert list(policies) == ["tenant_isolation"]  # undeclared: no regional read
        owner.dispose()


def test_rows_on_the_client_alone_move_when_the_client_leaves_and_point_at_the_known_client(
    tenants, in_tenant, make_case, contact_model
):
    olst, raalte = tenants["olst-wijhe"], tenants["raalte"]
    moving = make_case(olst)
    known = make_case(  # an earlier detention: one open case per client and detention
        raalte,
        client={"bsn": moving.client.bsn},
        detention_start=moving.detention_start - timedelta(days=900),
        expected_release=moving.detention_start - timedelta(days=700),
    )
    with in_tenant(olst):
        db.session.add(contact_model(client_id=moving.client_id, label="Zus"))
        db.session.commit()

    move(in_tenant, olst, moving.id, raalte)

    assert counts(in_tenant, olst)["test_client_contacts"] == 0
    with in_tenant(raalte):
        (contact,) = db.session.scalars(select(contact_model)).all()
        assert (contact.client_id, contact.label) == (known.client_id, "Zus")
        assert db.session.scalar(select(func.count()).select_from(Client)) == 1
