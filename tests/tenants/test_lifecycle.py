"""A municipality joins (``flask tenants add``), takes its data along (``export``/``import``)
and leaves (``remove``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from app import create_app
from app.audit.models import AccessLogEntry
from app.audit.retention import RetentionPolicy, current_policy
from app.auth.models import AccountToken, IdentityProvider, SecurityEvent, User
from app.cases.models import DEFAULT_CARE_DIRECTOR, CaseSettings
from app.cases.plan.models import TaskTemplate
from app.cases.plan.services import default_template_rows
from app.core.permissions import Role
from app.core.settings import get_setting
from app.extensions import db
from app.jobs.models import OutboxJob
from app.lifecycle import onboarding as lifecycle
from app.lifecycle.catalogue import (
    exported_tables,
    tenant_scoped_model_tables,
    tenant_tables,
    unmarked_secret_looking_columns,
)
from app.lifecycle.models import TenantRemoval
from app.mail.backends import sent_messages
from app.tenants.models import Tenant
from tests.audit.test_subject_access import full_file  # noqa: F401 - the fixture
from tests.conftest import DATABASE_URL, MIGRATION_DATABASE_URL, USING_POSTGRES
from tests.factories import (
    AccountTokenFactory,
    CaseDocumentFactory,
    CaseFactory,
    CasePersonFactory,
    OutboxJobFactory,
    UserFactory,
    UserSessionFactory,
)

FIVE = {"deventer", "lochem", "olst-wijhe", "raalte", "zutphen"}
ISSUER = "http://127.0.0.1:9/bathmen"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=["tenants", *args])

    yield run
    _remove_extra_tenants(app)


def _remove_extra_tenants(app) -> None:
    """Tenants survive the per-test cleanup: take every one but the five away."""
    with app.app_context():
        extra = db.session.scalars(
            select(Tenant.slug).where(Tenant.slug.not_in(FIVE)).order_by(Tenant.is_centre)
        ).all()  # a centre leaves after the others of its region
        db.session.remove()
        for slug in extra:
            lifecycle.remove_tenant(slug, "0" * 64)


def tenant(app, slug: str) -> Tenant | None:
    with app.app_context():
        row = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()
        if row is not None:
            db.session.expunge(row)
        return row


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- onboarding ---------------------------------------------------------------------------


def test_add_creates_the_municipality_with_defaults_and_an_invited_admin(app, cli, in_tenant):
    result = cli("add", "bathmen", "Bathmen", "--admin-email", "Beheer@Bathmen.example")
    assert result.exit_code == 0, result.output
    assert "bathmen: added" in result.output
    bathmen = tenant(app, "bathmen")
    assert bathmen.name == "Bathmen" and not bathmen.is_centre
    with in_tenant(bathmen):
        assert count(TaskTemplate) == len(default_template_rows())
        # Retention periods and file settings are the store's defaults: no rows needed.
        assert current_policy() == RetentionPolicy()
        assert get_setting("cases.care_director_name") == DEFAULT_CARE_DIRECTOR
        (admin,) = db.session.scalars(select(User)).all()
        assert (admin.issuer, admin.subject, admin.role) == (
            "local",
            "beheer@bathmen.example",
            Role.TENANT_ADMIN.value,
        )
        assert not admin.active  # until the invitation link is used
        (token,) = db.session.scalars(select(AccountToken)).all()
        assert token.purpose == "invite" and token.user_id == admin.id
        (mail,) = db.session.scalars(select(OutboxJob)).all()
        assert mail.function.endswith("send_template_mail")
        if mail.done_at is None:  # queued in Redis: the arguments wait in the outbox
            assert "beheer@bathmen.example" in json.dumps(mail.arguments)
        else:  # run inline (no Redis): the memory backend has the mail
            (sent,) = [m for m in sent_messages(app) if m["To"] == "beheer@bathmen.example"]
            assert "/invitation/" in sent.get_body().get_content()


def test_running_add_twice_changes_nothing(app, cli):
    arguments = (
        "add",
        "bathmen",
        "Bathmen",
        "--issuer",
        ISSUER,
        "--client-id",
        "portal",
        "--secret-env",
        "OIDC_SECRET_BATHMEN",
        "--admin-subject",
        ISSUER,
        "sub-1",
    )
    assert cli(*arguments).exit_code == 0
    before = table_checksums(app)
    again = cli(*arguments)
    assert again.exit_code == 0, again.output
    assert "nothing changed" in again.output
    assert table_checksums(app) == before


def test_add_refuses_a_slug_or_name_that_exists_with_other_data(app, cli):
    taken_slug = cli("add", "deventer", "Deventer-Oost")
    assert taken_slug.exit_code != 0 and "exists as" in taken_slug.output
    taken_name = cli("add", "deventer-oost", "Deventer")
    assert taken_name.exit_code != 0 and "exists as" in taken_name.output
    other_role = cli("add", "lochem", "Lochem", "--centre")
    assert other_role.exit_code != 0 and "is_centre" in other_role.output
    assert tenant(app, "deventer-oost") is None


def test_add_refuses_a_second_centre_in_a_region(app, cli):
    """The regional read of a centre reaches every municipality of its region: one centre."""
    result = cli("add", "bathmen", "Bathmen", "--centre", "--region", "deventer")
    assert result.exit_code != 0 and "deventer is already the centre" in result.output
    assert tenant(app, "bathmen") is None


def test_add_refuses_a_secret_variable_of_another_name(app, cli):
    result = cli(
        "add",
        "bathmen",
        "Bathmen",
        "--issuer",
        ISSUER,
        "--client-id",
        "portal",
        "--secret-env",
        "SECRET_KEY",
    )
    assert result.exit_code != 0 and "OIDC_SECRET_BATHMEN" in result.output
    assert tenant(app, "bathmen") is None  # nothing half-made


@pytest.mark.parametrize("slug", ["Bathmen", "bäthmen", "bath men", "bath--men", "-bathmen", ""])
def test_add_refuses_a_slug_that_cannot_be_part_of_a_url(app, cli, slug):
    result = cli("add", "--", slug, "Bathmen")
    assert result.exit_code != 0 and "slug" in result.output
    assert tenant(app, slug) is None


def test_the_five_come_from_the_same_code_path_and_are_left_as_they_are(app, cli):
    before = table_checksums(app)
    result = cli("add-region-defaults")
    assert result.exit_code == 0, result.output
    assert result.output.count("nothing changed") == 5
    assert table_checksums(app) == before


def test_the_sixth_municipalitys_admin_works_and_sees_nothing_of_the_others(
    app, cli, sign_in, tenants, in_tenant
):
    with in_tenant(tenants["deventer"]):
        deventer_case = CaseFactory(client__family_name="Deventernaar")
        deventer_user = UserFactory(display_name="Deventer Medewerker")
    arguments = (
        "add",
        "bathmen",
        "Bathmen",
        "--issuer",
        ISSUER,
        "--client-id",
        "portal",
        "--secret-env",
        "OIDC_SECRET_BATHMEN",
        "--admin-subject",
        ISSUER,
        "sub-1",
        "--admin-name",
        "Bea Beheer",
    )
    assert cli(*arguments).exit_code == 0
    bathmen = tenant(app, "bathmen")
    with in_tenant(bathmen):
        admin = db.session.scalars(select(User)).one()
        provider = db.session.scalars(select(IdentityProvider)).one()
        assert provider.role_mapping["tenant_admin"] == "tenant_admin"
        assert "regional_coordinator" not in provider.role_mapping
    client = sign_in(admin)
    users = client.get("/beheer/accounts")
    assert users.status_code == 200
    page = users.get_data(as_text=True)
    assert "Bea Beheer" in page and deventer_user.display_name not in page
    # It works like the five: a case worker of the sixth municipality and its own case.
    with in_tenant(bathmen):
        worker = UserFactory(role=Role.CASE_WORKER.value)
        own_case = CaseFactory(client__family_name="Bathmenaar")
    staff = sign_in(worker)
    assert staff.get(f"/cases/{own_case.id}").status_code == 200
    assert staff.get(f"/cases/{deventer_case.id}").status_code == 404
    listing = staff.get("/cases/").get_data(as_text=True)
    assert "Bathmenaar" in listing and "Deventernaar" not in listing


# --- secrets ------------------------------------------------------------------------------


def test_every_column_that_looks_like_a_secret_is_marked_either_way(app):
    with app.app_context():
        assert unmarked_secret_looking_columns() == []
        names = {t.name for t in exported_tables()}
    assert "user_sessions" not in names and "account_tokens" not in names
    assert "job_outbox" not in names
    assert "users" in names and "access_log" in names


# --- export and import --------------------------------------------------------------------


def canaries(tenants, in_tenant) -> None:
    with in_tenant(tenants["deventer"]):
        user = UserFactory(password_hash="CANARY-password-hash", totp_secret="CANARYTOTPSECRET")
        UserSessionFactory(user=user, token_hash="CANARY-session-hash", id_token="CANARY-id-token")
        AccountTokenFactory(user=user, token_hash="CANARY-token-hash")
        OutboxJobFactory(  # a waiting invitation mail carries its link
            function="app.mail.jobs.send_template_mail",
            arguments={"context": {"link": "/auth/deventer/invitation/CANARY-link-token"}},
        )
        settings = db.session.scalars(select(CaseSettings)).one_or_none() or CaseSettings()
        settings.api_token_hash = "CANARY-api-token-hash"
        settings.api_token_hint = "CANARYHINT"
        db.session.add(settings)
        db.session.commit()


def all_text(directory: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace")
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    )


@pytest.mark.postgres
def test_the_export_holds_every_table_and_no_secret_and_is_a_valid_data_package(
    app,
    cli,
    tenants,
    in_tenant,
    full_file,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    canaries(tenants, in_tenant)
    target = tmp_path / "deventer"
    result = cli("export", "deventer", str(target))
    assert result.exit_code == 0, result.output
    assert "CANARY" not in all_text(target)
    package = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    assert "secrets" in package["description"]
    left_out = set(package["nazorg:left_out"]["tables"])
    assert left_out == {"user_sessions", "account_tokens", "job_outbox", "tenant_exports"}
    assert "password_hash" in package["nazorg:left_out"]["columns"]["users"]
    with app.app_context():
        assert [r["name"] for r in package["resources"]] == [t.name for t in exported_tables()]
    cases = next(r for r in package["resources"] if r["name"] == "cases")
    assert cases["schema"]["primaryKey"] == ["tenant_id", "id"]
    assert {"fields": ["client_id"], "reference": {"resource": "clients", "fields": ["id"]}} in (
        cases["schema"]["foreignKeys"]
    )
    assert cases["nazorg:rows"] == 1
    assert_checksums(target)
    assert_valid_frictionless(target)
    with in_tenant(tenants["deventer"]):
        logged = db.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.action == "export")
        ).all()
        events = db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.event == "tenant_exported")
        ).all()
    assert len(logged) == 1 and logged[0].object_type == "tenant"
    assert len(events) == 1


def assert_checksums(directory: Path) -> None:
    lines = (directory / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    assert set(listed) == files - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest


def assert_valid_frictionless(directory: Path) -> None:
    from frictionless import Package

    report = Package(str(directory / "datapackage.json")).validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])


def second_database_urls() -> tuple[str, str]:
    base = DATABASE_URL.rsplit("/", 1)[0]
    owner = MIGRATION_DATABASE_URL.rsplit("/", 1)[0]
    name = DATABASE_URL.rsplit("/", 1)[1] + "2"
    return f"{base}/{name}", f"{owner}/{name}"


@pytest.fixture
def second_installation():
    """Another deployment: a fresh database (``scripts/pg-setup <name>2``), migrated."""
    import flask_migrate

    portal, owner = second_database_urls()
    # scripts/test creates it; without it this test fails, it never skips.
    engine = create_engine(owner, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    other = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": portal, "MIGRATION_DATABASE_URI": owner}
    )
    with other.app_context():
        flask_migrate.upgrade()
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def normalised(directory: Path) -> dict[str, str]:
    """The files minus what may differ between installations: the export time and tenant."""
    files = {}
    for path in sorted(directory.rglob("*.csv")):
        files[path.relative_to(directory).as_posix()] = path.read_text(encoding="utf-8")
    for path in sorted((directory / "files").rglob("*")):  # the documents, as files
        if path.is_file() and path.suffix != ".csv":
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            files[path.relative_to(directory).as_posix()] = digest
    package = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
    package.pop("created")
    package["nazorg:tenant"].pop("id")
    files["datapackage.json"] = json.dumps(package, sort_keys=True)
    return files


@pytest.mark.postgres
def test_round_trip_into_another_installation_gives_the_same_files(
    app,
    cli,
    tenants,
    in_tenant,
    full_file,  # noqa: F811 - the fixture imported above
    tmp_path,
    second_installation,
):
    canaries(tenants, in_tenant)
    first = tmp_path / "first"
    assert cli("export", "deventer", str(first)).exit_code == 0
    other = second_installation.test_cli_runner()
    imported = other.invoke(args=["tenants", "import", str(first)])
    assert imported.exit_code == 0, imported.output
    again = other.invoke(args=["tenants", "import", str(first)])
    assert again.exit_code != 0 and "not empty" in again.output
    second = tmp_path / "second"
    exported = other.invoke(args=["tenants", "export", "deventer", str(second)])
    assert exported.exit_code == 0, exported.output
    assert normalised(second) == normalised(first)
    counts = lambda d: {  # noqa: E731
        r["name"]: r["nazorg:rows"]
        for r in json.loads((d / "datapackage.json").read_text())["resources"]
    }
    assert counts(second) == counts(first)
    assert counts(first)["cases"] >= 1 and counts(first)["case_note_revisions"] >= 1
    # The documents travel as files with a manifest, and come back byte for byte.
    assert counts(first)["case_documents"] >= 1 and counts(first)["case_people"] >= 1
    manifest = (first / "files" / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert manifest[0].startswith("path,table,id,column") and len(manifest) >= 2
    assert any(name.endswith(".pdf") for name in normalised(first) if name.startswith("files/"))


@pytest.mark.postgres
def test_import_into_a_new_municipality_rewrites_the_tenant_and_keeps_the_links(
    app,
    cli,
    tenants,
    in_tenant,
    full_file,  # noqa: F811 - the fixture imported above
    tmp_path,
    second_installation,
):
    first = tmp_path / "first"
    assert cli("export", "deventer", str(first)).exit_code == 0
    package = json.loads((first / "datapackage.json").read_text(encoding="utf-8"))
    other = second_installation.test_cli_runner()
    from app.lifecycle.export import write_checksums

    def edit_package(**changes) -> None:
        package["nazorg:tenant"].update(changes)
        (first / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
        write_checksums(first)

    # In the other installation Deventer is taken: add the data as a new municipality,
    # which cannot be a second centre of the region there.
    added = other.invoke(args=["tenants", "add-region-defaults"])
    assert added.exit_code == 0, added.output
    edit_package(name="Deventer (verhuisd)")
    refused = other.invoke(args=["tenants", "import", str(first), "--slug", "deventer-2"])
    assert refused.exit_code != 0 and "already the centre" in refused.output
    edit_package(is_centre=False)
    result = other.invoke(args=["tenants", "import", str(first), "--slug", "deventer-2"])
    assert result.exit_code == 0, result.output
    owner = create_engine(second_database_urls()[1], poolclass=NullPool)
    with owner.begin() as connection:
        new_id = connection.execute(
            text("SELECT id FROM tenants WHERE slug = 'deventer-2'")
        ).scalar()
        assert new_id == 6
        connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(new_id)})
        linked = connection.execute(
            text(
                "SELECT count(*) FROM cases JOIN clients ON clients.tenant_id = cases.tenant_id"
                " AND clients.id = cases.client_id"
            )
        ).scalar()
    owner.dispose()
    rows = {r["name"]: r["nazorg:rows"] for r in package["resources"]}
    assert linked == rows["cases"] >= 1


# --- removal ------------------------------------------------------------------------------


def table_checksums(app, exclude: int | None = None) -> dict[tuple[str, int], str]:
    """Per table and municipality, a hash of every row, read as the owner in each tenant."""
    owner = create_engine(MIGRATION_DATABASE_URL, poolclass=NullPool) if USING_POSTGRES else None
    with app.app_context():
        engine = owner or db.engine
        ids = [i for i in db.session.scalars(select(Tenant.id)).all() if i != exclude]
        db.session.remove()
        sums = {}
        for tenant_id in ids:
            with engine.begin() as connection:
                if USING_POSTGRES:
                    connection.execute(
                        text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
                    )
                for table in tenant_tables():
                    rows = connection.execute(
                        select(table)
                        .where(table.c.tenant_id == tenant_id)
                        .order_by(*table.primary_key.columns)
                    ).all()
                    sums[(table.name, tenant_id)] = hashlib.sha256(repr(rows).encode()).hexdigest()
    if owner is not None:
        owner.dispose()
    return sums


def rows_left_for(tenant_id: int) -> dict[str, int]:
    """The catalogue query: every table with a ``tenant_id`` column, as the owner."""
    owner = create_engine(MIGRATION_DATABASE_URL, poolclass=NullPool)
    left = {}
    with owner.begin() as connection:
        connection.execute(
            text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
        )
        tables = (
            connection.execute(
                text(
                    "SELECT table_name FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND column_name = 'tenant_id'"
                )
            )
            .scalars()
            .all()
        )
        assert len(tables) >= 20
        for name in tables:
            found = connection.execute(
                text(f"SELECT count(*) FROM {name} WHERE tenant_id = :t"),  # noqa: S608 - catalogue names
                {"t": tenant_id},
            ).scalar()
            if found:
                left[name] = found
        gone = connection.execute(
            text("SELECT count(*) FROM tenants WHERE id = :t"), {"t": tenant_id}
        )
        if gone.scalar():
            left["tenants"] = 1
    owner.dispose()
    return left


@pytest.mark.postgres
def test_remove_destroys_every_row_and_leaves_the_others_unchanged(
    app, cli, tenants, in_tenant, tmp_path, sign_in
):
    assert (
        cli("add", "bathmen", "Bathmen", "--admin-email", "beheer@bathmen.example").exit_code == 0
    )
    bathmen = tenant(app, "bathmen")
    with in_tenant(bathmen):
        case = CaseFactory(client__family_name="Bathmenaar")
        CaseDocumentFactory(case=case)  # a document and a person: rows like the others
        CasePersonFactory(case=case)
        user = UserFactory(role=Role.CASE_WORKER.value)
    sign_in(user).get("/cases/")  # a session row, security and access-log rows
    with in_tenant(tenants["lochem"]):
        CaseFactory(client__family_name="Lochemmer")
    assert rows_left_for(bathmen.id)
    before = table_checksums(app, exclude=bathmen.id)
    export_dir = tmp_path / "bathmen"
    assert cli("export", "bathmen", str(export_dir)).exit_code == 0
    unconfirmed = cli("remove", "bathmen", "--after-export", str(export_dir))
    assert unconfirmed.exit_code != 0 and "--confirm" in unconfirmed.output
    result = cli("remove", "bathmen", "--after-export", str(export_dir), "--confirm")
    assert result.exit_code == 0, result.output
    assert rows_left_for(bathmen.id) == {}
    assert table_checksums(app) == before
    owner = create_engine(MIGRATION_DATABASE_URL, poolclass=NullPool)
    with owner.connect() as connection:
        (record,) = connection.execute(select(TenantRemoval.__table__)).mappings().all()
    owner.dispose()
    assert record["slug"] == "bathmen" and record["counts"]["cases"] == 1
    assert "Bathmenaar" not in json.dumps(dict(record), default=str)
    assert "beheer@bathmen.example" not in json.dumps(dict(record), default=str)


def test_remove_needs_an_export_of_that_municipality(app, cli, tmp_path):
    assert cli("add", "bathmen", "Bathmen").exit_code == 0
    lochem = tmp_path / "lochem"
    assert cli("export", "lochem", str(lochem)).exit_code == 0
    wrong = cli("remove", "bathmen", "--after-export", str(lochem), "--confirm")
    assert wrong.exit_code != 0 and "not an export of bathmen" in wrong.output
    (lochem / "data" / "cases.csv").write_text("tampered", encoding="utf-8")
    tampered = cli("remove", "lochem", "--after-export", str(lochem), "--confirm")
    assert tampered.exit_code != 0 and "changed since the export" in tampered.output
    assert tenant(app, "bathmen") is not None and tenant(app, "lochem") is not None


def test_the_centre_of_a_region_with_others_cannot_leave(app, cli, tmp_path):
    deventer = tmp_path / "deventer"
    assert cli("export", "deventer", str(deventer)).exit_code == 0
    result = cli("remove", "deventer", "--after-export", str(deventer), "--confirm")
    assert result.exit_code != 0 and "centre of a region" in result.output
    assert tenant(app, "deventer") is not None


# --- a table the suite adds ---------------------------------------------------------------


def test_the_walk_finds_exactly_the_tenant_scoped_models(app):
    with app.app_context():
        assert {t.name for t in tenant_tables()} == tenant_scoped_model_tables()


@pytest.fixture
def probe_table(app):
    """A tenant-owned table only this test defines (no model, no listing anywhere),
    created with row-level security as a migration would."""
    from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Integer, String, Table, Uuid

    table = Table(
        "lifecycle_probes",
        db.metadata,
        Column("tenant_id", Integer, ForeignKey("tenants.id"), primary_key=True),
        Column("id", Uuid, primary_key=True),
        Column("case_id", Uuid, nullable=True),
        Column("remark", String(100), nullable=False),
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
    )
    owner = create_engine(MIGRATION_DATABASE_URL, poolclass=NullPool)
    table.create(owner)
    with owner.begin() as connection:
        for statement in (
            "ALTER TABLE lifecycle_probes ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE lifecycle_probes FORCE ROW LEVEL SECURITY",
            "CREATE POLICY tenant_isolation ON lifecycle_probes"
            " USING (tenant_id = app_current_tenant())",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON lifecycle_probes TO nazorg_app",
        ):
            connection.execute(text(statement))
    try:
        yield table
    finally:
        db.metadata.remove(table)
        with owner.begin() as connection:
            connection.execute(text("DROP TABLE lifecycle_probes"))
        owner.dispose()


@pytest.mark.postgres
def test_a_table_added_later_is_exported_and_removed_without_being_listed(
    app, cli, in_tenant, tmp_path, probe_table
):
    import uuid

    assert cli("add", "bathmen", "Bathmen").exit_code == 0
    bathmen = tenant(app, "bathmen")
    with in_tenant(bathmen):
        case = CaseFactory()
        db.session.execute(
            probe_table.insert().values(
                tenant_id=bathmen.id, id=uuid.uuid4(), case_id=case.id, remark="proef"
            )
        )
        db.session.commit()
    export_dir = tmp_path / "bathmen"
    assert cli("export", "bathmen", str(export_dir)).exit_code == 0
    rows = (export_dir / "data" / "lifecycle_probes.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "tenant_id,id,case_id,remark" and rows[1].endswith(f",{case.id},proef")
    package = json.loads((export_dir / "datapackage.json").read_text(encoding="utf-8"))
    (probe,) = [r for r in package["resources"] if r["name"] == "lifecycle_probes"]
    assert probe["schema"]["foreignKeys"] == [
        {"fields": ["case_id"], "reference": {"resource": "cases", "fields": ["id"]}}
    ]
    assert_valid_frictionless(export_dir)
    assert cli("remove", "bathmen", "--after-export", str(export_dir), "--confirm").exit_code == 0
    assert rows_left_for(bathmen.id) == {}


def test_the_invited_admin_activates_the_link_and_signs_in(app, cli, monkeypatch):
    """The mail's single-use link, password and authenticator app, as for volunteers."""
    import re
    import time

    import pyotp

    from app.auth import throttle
    from tests.csrf import csrf_token, csrf_token_from

    monkeypatch.setitem(app.config, "REDIS_URL", None)  # the mail job runs inline
    sent = sent_messages(app)
    sent.clear()
    with app.app_context():
        throttle.reset_all()
    arguments = ("add", "bathmen", "Bathmen", "--admin-email", "bea@bathmen.example")
    assert cli(*arguments, "--admin-name", "Bea Beheer").exit_code == 0
    (message,) = [m for m in sent if m["To"] == "bea@bathmen.example"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+(/auth/bathmen/invitation/\S+)", body).group(1)
    client = app.test_client()
    page = client.get(link).get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    password = "lantaarnpaal-rivier-7-wolken"
    activated = client.post(
        link,
        data={
            "csrf_token": csrf_token_from(page),
            "password": password,
            "confirm": password,
            "code": pyotp.TOTP(secret).now(),
        },
    )
    assert activated.status_code == 302, activated.get_data(as_text=True)
    token = csrf_token(client, "/auth/bathmen/local")
    client.post(
        "/auth/bathmen/local",
        data={"csrf_token": token, "email": "bea@bathmen.example", "password": password},
    )
    token = csrf_token(client, "/auth/bathmen/local/code")
    signed_in = client.post(
        "/auth/bathmen/local/code",
        data={"csrf_token": token, "code": pyotp.TOTP(secret).at(time.time() + 30)},
    )
    assert signed_in.headers["Location"].endswith("/start")
    assert client.get("/beheer/accounts").status_code == 200
    assert client.get(link).status_code == 404  # the link worked once
