"""Benchmark of a deployment: the portal under gunicorn, loaded by wrk, at a chosen scale.

    bash scripts/pg-setup nazorg_bench
    .venv/bin/python bench/deployment.py --scale region      # 5 municipalities, 100,000 clients
    .venv/bin/python bench/deployment.py --scale small       # 5 municipalities, 1,000 clients
    .venv/bin/python bench/deployment.py --scale national    # 340 municipalities, same per head

The database named by ``--database`` (default nazorg_bench, made by scripts/pg-setup) is
emptied, migrated and filled:

- the municipalities through the onboarding command (``flask tenants add``), so national
  scale is 340 tenants made the way a real one is (beyond the Deventer region's five, in
  regions of ``REGION_SIZE`` each founded by its centre);
- per municipality a few dozen *seed* files made by the test suite's factories (a case
  with its client, life domains, snapshots, phase history, timeline, notes with
  revisions, intake message, tasks, consents, referrals, trajectories: every table that
  hangs on a client), then cloned in SQL (``INSERT ... SELECT ... generate_series``) to
  the wanted number of clients. The tables to clone are found by the generic walk
  (``audit.records.dependents``), so a table added later is filled without listing it;
  every uuid key and every reference between cloned rows gets a new value derived from
  (old value, clone number), references to users and templates stay;
- the files spread over ten years (``AGE_FILES``): releases from ten years back to half a
  year ahead, closed a year after release, tasks of closed files done and nine in ten of the
  open files' past tasks done, so the overviews see a region's history, not 100,000 new
  files;
- the access log: ten rows per client;
- at national scale only the region's five municipalities are seeded and cloned; each of
  the other 335 gets a copy of one of the four non-centre ones (``copy_municipality``:
  every tenant-owned row again under the new ``tenant_id``), so the fill takes minutes,
  not the hours of seeding each with the factories;
- the clients named as a register names them (``NAME_FILES``: common Dutch family names
  and a long tail), so that the name search meets names, not clones of one name;
- ``VACUUM ANALYZE`` (autovacuum is off on this machine, PITFALLS).

Then gunicorn (2 sync workers, production settings) serves it on loopback and wrk drives
each page for ``--seconds`` with ``--connections`` connections and a signed-in case
worker's session cookie, interleaved with the floor page (``/over``: a fixed page behind
the same middleware), so that each page's throughput is reported as a ratio to the floor
measured beside it: this machine is shared and noisy, ratios hold where absolute figures
do not. Results go to ``bench/results/deployment-<scale>.{md,json}`` with the machine and
the commit. The load is bounded in time and stays on 127.0.0.1.

Beside the pages (``bench/probes.py``): the intake API (documents per second end to end
with four clients posting batches of ``--intake-batch`` documents to the batch endpoint;
``--probe intake`` runs it alone), the CSV export of the first municipality (time to
first byte, total, the workers' memory above idle), the database's own time of each
page's statements (``EXPLAIN ANALYZE`` on the same connection, with every sequential
scan of a large table named), matching 1,000 clients to 3,000 volunteers (``bench/matching.py``'s
regional scenario, in a process of its own) and, with ``--rls-off``, the same pages on a
throwaway copy with row-level security switched off, served by a second gunicorn and
measured in the same rounds (page here, page there, the order turning each round), for
the policies' cost. The pages run as the role
that uses them: the case worker (lists, case page, start page, notifications), the
regional coordinator of the centre (``/regio``) and a volunteer with a circle (the
mentor portal).

``--growth-database NAME`` measures the same pages on a second database filled at another
scale (``--scale small --database NAME`` first) right after, and the table gets each
page's p50 here ÷ p50 there: growth from 1,000 to 100,000 clients with a small one, or
national ÷ region when the national run names the region's database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from sqlalchemy import UniqueConstraint, Uuid, create_engine, text  # noqa: E402

from app import create_app  # noqa: E402
from app.audit.records import dependents  # noqa: E402
from app.cases.models import (  # noqa: E402
    CORE_LIFE_DOMAINS,
    Client,
    DomainStatus,
    MonitorMoment,
)
from app.core.context import tenant_app_context  # noqa: E402
from app.extensions import db  # noqa: E402
from app.tenants.models import Tenant  # noqa: E402
from bench import probes  # noqa: E402
from bench.common import reset_schema  # noqa: E402

SCALES = {
    # municipalities, clients per municipality
    "small": (5, 200),
    "region": (5, 20_000),
    "national": (340, 300),
}
SEEDS_PER_TENANT = 40
# A municipality's aftercare team: the notes' authors and the case list's worker filter.
# (Left to the factories, every note made a user of its own: ~300 "case workers" a
# municipality, which inflated every page that lists the team.)
TEAM_SIZE = 12
ACCESS_LOG_ROWS_PER_CLIENT = 10
SECRET_KEY = "bench-only-" + "x" * 40
# wrk's report as one JSON line (its own output has no p95).
WRK_SCRIPT = "\n".join(
    (
        "done = function(summary, latency, requests)",
        '  io.write(string.format("JSON {\\"requests\\": %d, \\"seconds\\": %f, '
        '\\"p50\\": %f, \\"p95\\": %f, \\"errors\\": %d, \\"non2xx\\": %d}\\n",',
        "    summary.requests, summary.duration / 1e6,",
        "    latency:percentile(50) / 1000, latency:percentile(95) / 1000,",
        "    summary.errors.connect + summary.errors.read + summary.errors.write"
        " + summary.errors.timeout,",
        "    summary.errors.status))",
        "end",
    )
)


def urls(database: str) -> tuple[str, str]:
    base = "127.0.0.1:5432/" + database
    return (
        f"postgresql+psycopg://nazorg_app:nazorg_app@{base}",
        f"postgresql+psycopg://nazorg_owner:nazorg_owner@{base}",
    )


# National scale: the municipalities beyond the Deventer region's five form regions of
# this size, each founded by its centre (the country has a few dozen aftercare regions).
REGION_SIZE = 13


def add_municipalities(app, total: int) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "add-region-defaults"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    with app.app_context():
        present = db.session.scalar(db.select(db.func.count()).select_from(Tenant))
    for number in range(present + 1, total + 1):
        place = (number - present - 1) % REGION_SIZE
        region = f"regio-{(number - present - 1) // REGION_SIZE + 1:02d}"
        joins = ["--centre", "--region", region] if place == 0 else ["--region", region]
        result = runner.invoke(
            args=["tenants", "add", f"gemeente-{number:03d}", f"Gemeente {number:03d}", *joins]
        )
        if result.exit_code != 0:
            raise SystemExit(result.output)


def make_seed_users(app, tenant_id: int) -> dict[str, uuid.UUID]:
    """The roles the pages run as. The centre municipality also gets the regional
    coordinator and a volunteer with a circle (the programme's rows live there)."""
    from tests import factories as f

    users = {}
    with app.app_context(), tenant_app_context(tenant_id):
        centre = db.session.get(Tenant, tenant_id)
        if centre.is_centre:
            users["coordinator"] = f.UserFactory(
                role="regional_coordinator", display_name="Bench Coordinator"
            ).id
            volunteer_user = f.UserFactory(local=True, display_name="Bench Vrijwilliger")
            other = db.session.scalar(
                db.select(Tenant.id).where(Tenant.id != tenant_id).order_by(Tenant.id)
            )
            member = f.CircleMemberFactory(
                volunteer=f.VolunteerFactory(user_id=volunteer_user.id, status="actief"),
                circle__referral__source_tenant_id=other or tenant_id,
            )
            for _ in range(30):
                f.MeetingFactory(member=member)
            users["volunteer"] = volunteer_user.id
        db.session.commit()
    return users


def make_seed_files(app, tenant_id: int, rng: random.Random) -> uuid.UUID:
    """Seed files of varied length for one municipality; returns its case worker's id."""
    # import here: the factories are test code; only the fill needs them.
    from tests import factories as f

    today = date.today()
    with app.app_context(), tenant_app_context(tenant_id):
        worker = f.UserFactory(role="case_worker", display_name="Bench Casemanager")
        team = [worker] + [f.UserFactory(role="case_worker") for _ in range(TEAM_SIZE - 1)]
        for number in range(SEEDS_PER_TENANT):
            release = today + timedelta(days=rng.randint(-1500, 200))
            case = f.CaseFactory(
                client__family_name=f"Achternaam{number}",
                case_worker=worker,
                detention_start=release - timedelta(days=rng.choice((30, 60, 90, 200, 400))),
                expected_release=release,
            )
            for _ in range(rng.randint(8, 16)):
                f.TaskFactory(case=case, due_date=release + timedelta(days=rng.randint(-60, 90)))
            for _ in range(rng.randint(2, 12)):
                author = rng.choice(team)
                f.NoteRevisionFactory(note=f.NoteFactory(case=case, author=author))
            for _ in range(rng.randint(5, 25)):
                f.TimelineEntryFactory(case=case)
            f.PhaseChangeFactory(case=case)
            add_life_domains(f, case, rng, released=release < today)
            f.IntakeMessageFactory(case=case)
            f.DomainConsentFactory(case=case)
            if rng.random() < 0.3:
                f.ReferralFactory(case=case)
            if rng.random() < 0.25:
                f.TrajectoryFactory(case=case)
        db.session.commit()
        return worker.id


def add_life_domains(f, case, rng: random.Random, released: bool) -> None:
    """The five life domains a case is opened with, each with its monitor measurement at
    intake and, once the client is out, at release (the case page's matrix and panels)."""
    statuses = [status.value for status in DomainStatus]
    moments = [MonitorMoment.INTAKE] + ([MonitorMoment.RELEASE] if released else [])
    for position, kind in enumerate(CORE_LIFE_DOMAINS):
        f.LifeDomainFactory(
            case=case, domain=kind.value, position=position, status=rng.choice(statuses)
        )
        for moment in moments:
            f.DomainSnapshotFactory(
                case=case, domain=kind.value, moment=moment.value, status=rng.choice(statuses)
            )


def clone_expression(column, cloned: set[str], key_columns: set[str]) -> str:
    name = f't."{column.name}"'
    if column.name == "tenant_id":
        return name
    if isinstance(column.type, Uuid) and column.name in key_columns:
        return f"CASE WHEN {name} IS NULL THEN NULL ELSE md5({name}::text || g.n)::uuid END"
    if column.name == "bsn":
        # Unique per municipality: nine digits from the clone number and the seed's place.
        return "lpad((g.n * 1000 + s.seed)::text, 9, '0')"
    if column.name == "family_name":
        return f"{name} || '-' || (g.n % 997)"
    if any(column.name in u for u in unique_text_columns(column.table, key_columns)):
        return f"left({name}, 40) || '-' || g.n"
    return name


def unique_text_columns(table, key_columns: set[str]) -> list[set[str]]:
    """Text columns of unique constraints that a new key does not already make unique."""
    return [
        {c.name for c in constraint.columns if not isinstance(c.type, Uuid)} - {"tenant_id"}
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
        and not {c.name for c in constraint.columns} & key_columns
    ]


def key_columns_of(table, cloned: set[str]) -> set[str]:
    """The uuid columns that are keys of the cloned rows: the primary key, references to
    another cloned table, and uuid columns outside any foreign key (submission keys)."""
    outside = set()
    for constraint in table.foreign_key_constraints:
        if constraint.referred_table.name not in cloned:
            outside |= set(constraint.column_keys) - {"tenant_id"}
    return {c.name for c in table.c if isinstance(c.type, Uuid)} - outside


def clone_files(app, tenant_id: int, copies: int) -> None:
    """Every seed file of the municipality ``copies`` times more, one statement per table."""
    with app.app_context():
        tables = [Client.__table__] + [cls.__table__ for cls, _ in dependents(Client, [])]
    cloned = {t.name for t in tables}
    owner = create_engine(app.config["MIGRATION_DATABASE_URI"])
    with owner.begin() as connection:
        # The owner obeys the policies too (FORCE ROW LEVEL SECURITY).
        connection.execute(
            text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
        )
        for table in tables:
            keys = key_columns_of(table, cloned)
            columns = ", ".join(f'"{c.name}"' for c in table.c)
            values = ", ".join(clone_expression(c, cloned, keys) for c in table.c)
            seed = (
                "(SELECT id, row_number() OVER (ORDER BY id) AS seed FROM clients "
                "WHERE tenant_id = :tenant)"
            )
            join = f"JOIN {seed} s ON s.id = t.id" if table.name == "clients" else ""
            connection.execute(
                text(
                    f'INSERT INTO "{table.name}" ({columns}) SELECT {values} '  # noqa: S608
                    f'FROM "{table.name}" t {join} CROSS JOIN generate_series(1, :copies) g(n) '
                    "WHERE t.tenant_id = :tenant"
                ),
                {"tenant": tenant_id, "copies": copies},
            )
        connection.execute(
            text(
                "INSERT INTO access_log (tenant_id, id, occurred_at, user_id, user_name, "
                "actor_tenant_id, role, client_id, object_type, object_id, action, result) "
                "SELECT c.tenant_id, gen_random_uuid(), now() - (g.n || ' days')::interval, "
                "u.id, 'Bench', c.tenant_id, 'case_worker', c.id, 'case', NULL, 'read', "
                "'granted' FROM clients c JOIN users u ON u.tenant_id = c.tenant_id "
                "AND u.display_name = 'Bench Casemanager' "
                "CROSS JOIN generate_series(1, :rows) g(n) WHERE c.tenant_id = :tenant"
            ),
            {"tenant": tenant_id, "rows": ACCESS_LOG_ROWS_PER_CLIENT},
        )
    owner.dispose()


# Ten years of a region: the files' releases spread evenly from ten years back to half a
# year ahead (a hash of the case id, so the same on every run), and each file in the state
# its dates give it. Without this every cloned file would be a new, open file with all its
# tasks open and overdue: a region that never closes a case, which no overview faces.
AGE_FILES = [
    # the case's shift: its release moves to a day in the ten years up to half a year ahead
    "CREATE TEMP TABLE shift ON COMMIT DROP AS SELECT tenant_id, id, "
    "(current_date + 180 - (abs(hashtext(id::text)) % 3830)) - expected_release AS days "
    "FROM cases WHERE tenant_id = :tenant AND expected_release IS NOT NULL",
    "UPDATE cases c SET detention_start = c.detention_start + s.days, "
    "expected_release = c.expected_release + s.days FROM shift s "
    "WHERE c.tenant_id = s.tenant_id AND c.id = s.id",
    "UPDATE tasks t SET due_date = t.due_date + s.days FROM shift s "
    "WHERE t.tenant_id = s.tenant_id AND t.case_id = s.id",
    # released more than a year ago: closed (mostly with the goal reached);
    # released within the year: after release; the rest by the weeks to their release
    "UPDATE cases SET actual_release = expected_release, phase = CASE "
    "WHEN expected_release < current_date - 365 THEN 'closed' ELSE 'after_release' END, "
    "close_outcome = CASE WHEN expected_release >= current_date - 365 THEN NULL "
    "WHEN abs(hashtext(id::text)) % 10 = 0 THEN 'back_in_detention' "
    "WHEN abs(hashtext(id::text)) % 10 = 1 THEN 'lost_contact' ELSE 'goal_reached' END "
    "WHERE tenant_id = :tenant AND expected_release < current_date",
    "UPDATE cases SET phase = CASE WHEN expected_release < current_date + 42 "
    "THEN 'release_preparation' ELSE 'in_detention' END "
    "WHERE tenant_id = :tenant AND expected_release >= current_date",
    # a closed file's tasks are done; of an open file, nine in ten of those past their date
    "UPDATE tasks t SET status = 'done', done_at = t.due_date + 3 FROM cases c "
    "WHERE t.tenant_id = :tenant AND c.tenant_id = t.tenant_id AND c.id = t.case_id "
    "AND (c.phase = 'closed' OR (t.due_date < current_date "
    "AND abs(hashtext(t.id::text)) % 10 <> 0))",
]


# Names as a register has them: four in ten clients carry one of the common Dutch family
# names (each about 0.4%, as "de Jong" or "Bakker" do), the rest one of a long tail of
# compound names; given names from a list of sixty. Cloned names ("Achternaam12-345") share
# every trigram, which no real register does, so the name search's trigram index was never
# worth using on them: the search measured the bench's names, not a search.
COMMON_FAMILY_NAMES = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Bruin",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "van de Ven",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "van Dam",
    "van der Wal",
    "Prins",
    "Blom",
    "Huisman",
    "Peeters",
    "de Jonge",
    "Kuipers",
    "van Veen",
    "Post",
    "Kuiper",
    "Veenstra",
    "Kramer",
    "van den Brink",
    "Scholten",
    "van Wijk",
    "Postma",
    "Martens",
    "Vink",
    "de Ruiter",
    "Timmermans",
    "Groen",
    "Gerritsen",
    "Jonker",
    "van Loon",
    "Boer",
    "van der Velde",
    "Willemsen",
    "Smeets",
    "de Lange",
    "de Vos",
    "Bosch",
    "van Dongen",
    "Schipper",
    "de Koning",
    "van der Laan",
    "Koning",
    "van der Velden",
    "Driessen",
    "van Doorn",
    "Hermans",
    "Evers",
    "van den Bosch",
    "van der Meulen",
    "Hofman",
    "Bosman",
    "Wouters",
    "Sanders",
    "van der Zande",
    "Heijnen",
    "Haan",
    "Lammers",
)
FAMILY_NAME_STARTS = (
    "Ver",
    "Hoog",
    "Groot",
    "Klein",
    "Wester",
    "Ooster",
    "Zuider",
    "Noorder",
    "Lang",
    "Bree",
    "Stolk",
    "Haver",
    "Rog",
    "Ter",
    "Oude",
    "Nieuw",
    "Brink",
    "Velt",
    "Wolt",
    "Harm",
    "Gerrit",
    "Jan",
    "Klaas",
    "Pieter",
    "Dirk",
    "Huis",
    "Molen",
    "Kerk",
    "Dijk",
    "Berg",
    "Beek",
    "Bosch",
    "Veld",
    "Horst",
    "Hof",
    "Water",
    "Zand",
    "Steen",
    "Hout",
    "Rijn",
)
FAMILY_NAME_ENDS = (
    "man",
    "mans",
    "sma",
    "stra",
    "inga",
    "ink",
    "ing",
    "kamp",
    "veld",
    "berg",
    "hof",
    "hout",
    "horst",
    "beek",
    "dijk",
    "wijk",
    "broek",
    "meer",
    "huis",
    "laar",
    "voort",
    "donk",
    "kes",
    "ers",
    "ema",
    "enga",
    "heim",
    "haar",
    "loo",
    "rode",
)
GIVEN_NAMES = (
    "Jan",
    "Piet",
    "Kees",
    "Mohamed",
    "Dennis",
    "Kevin",
    "Mark",
    "Jeroen",
    "Sander",
    "Ricardo",
    "Patrick",
    "Ahmed",
    "Youssef",
    "Stefan",
    "Bas",
    "Tim",
    "Rik",
    "Daan",
    "Anouk",
    "Sanne",
    "Linda",
    "Sandra",
    "Priscilla",
    "Fatima",
    "Naima",
    "Esther",
    "Marco",
    "Erik",
    "Richard",
    "Michel",
    "Ronald",
    "Frank",
    "Peter",
    "Hans",
    "Henk",
    "Mustafa",
    "Ibrahim",
    "Omar",
    "Milan",
    "Lars",
    "Thijs",
    "Ruben",
    "Jesse",
    "Bram",
    "Niels",
    "Wouter",
    "Gerard",
    "Wim",
    "Willem",
    "Ferdi",
    "Jordy",
    "Mitchell",
    "Romano",
    "Rachid",
    "Hakan",
    "Emre",
    "Dylan",
    "Sven",
    "Luuk",
    "Joey",
)


def _pick(values: tuple[str, ...], salt: str) -> str:
    """SQL for one of ``values``, chosen by a hash of the row's id (the same on every run)."""
    array = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"(ARRAY[{array}])[1 + abs(hashtext(id::text || '{salt}')) % {len(values)}]"


NAME_FILES = (
    f"UPDATE clients SET given_name = {_pick(GIVEN_NAMES, 'g')}, "  # noqa: S608 - our lists
    "family_name = CASE WHEN abs(hashtext(id::text || 'f')) % 10 < 4 "
    f"THEN {_pick(COMMON_FAMILY_NAMES, 'c')} "
    f"ELSE {_pick(FAMILY_NAME_STARTS, 's')} || {_pick(FAMILY_NAME_ENDS, 'e')} END "
    "WHERE tenant_id = :tenant"
)


def age_files(app, tenant_id: int) -> None:
    """The municipality's files spread over ten years (``AGE_FILES``), its clients named
    as a register would name them (``NAME_FILES``)."""
    owner = create_engine(app.config["MIGRATION_DATABASE_URI"])
    with owner.begin() as connection:
        connection.execute(
            text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
        )
        for statement in (*AGE_FILES, NAME_FILES):
            connection.execute(text(statement), {"tenant": tenant_id})
    owner.dispose()


# Municipalities filled with seed files of their own; the rest (national scale) get a copy
# of one of the four non-centre ones (the centre's rows include the volunteer programme,
# which only a centre has).
SEEDED = 5


def fill(app, municipalities: int, clients: int, rng: random.Random) -> dict[int, uuid.UUID]:
    add_municipalities(app, municipalities)
    with app.app_context():
        tenant_ids = db.session.scalars(db.select(Tenant.id).order_by(Tenant.id)).all()
    workers = {}
    seeds = min(SEEDS_PER_TENANT, clients)
    for tenant_id in tenant_ids[:SEEDED]:
        workers[tenant_id] = make_seed_files(app, tenant_id, rng)
        clone_files(app, tenant_id, max(0, clients // seeds - 1))
        age_files(app, tenant_id)
        make_seed_users(app, tenant_id)
    sources = tenant_ids[1:SEEDED]
    for number, tenant_id in enumerate(tenant_ids[SEEDED:]):
        copy_municipality(app, sources[number % len(sources)], tenant_id)
    owner = create_engine(app.config["MIGRATION_DATABASE_URI"])
    with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # VACUUM as well: autovacuum (off on this machine) keeps a deployment's visibility
        # map current, without which every index-only scan visits the table.
        connection.execute(text("VACUUM ANALYZE"))
    owner.dispose()
    return workers


def copy_municipality(app, source: int, target: int) -> None:
    """Every row of municipality ``source`` again as ``target``'s, table by table in the
    order of the foreign keys. Keys stay as they are: every tenant-owned key includes
    ``tenant_id`` (tests/core/test_rls_catalogue.py), so the same uuid in another municipality
    is another row; a reference to a municipality (``*_tenant_id``) to the source becomes
    one to the target. Run as the superuser, the one role row-level security lets write
    rows of a municipality other than the session's; rows the onboarding already made for
    the target (its settings) are kept (``ON CONFLICT DO NOTHING``)."""
    admin = create_engine(
        app.config["MIGRATION_DATABASE_URI"].replace("nazorg_owner:nazorg_owner", "postgres")
    )
    with app.app_context():
        tables = [t for t in db.metadata.sorted_tables if "tenant_id" in t.c]
    with admin.begin() as connection:
        for table in tables:
            columns = ", ".join(f'"{c.name}"' for c in table.c)
            values = ", ".join(_copied_value(c) for c in table.c)
            connection.execute(
                text(
                    f'INSERT INTO "{table.name}" ({columns}) SELECT {values} '  # noqa: S608
                    f'FROM "{table.name}" WHERE tenant_id = :source ON CONFLICT DO NOTHING'
                ),
                {"source": source, "target": target},
            )
    admin.dispose()


def _copied_value(column) -> str:
    refers_to_tenant = any(fk.column.table.name == "tenants" for fk in column.foreign_keys)
    if column.name == "tenant_id":
        return ":target"
    if refers_to_tenant:
        return f'CASE WHEN "{column.name}" = :source THEN :target ELSE "{column.name}" END'
    return f'"{column.name}"'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_cookie(app, tenant_id: int, worker_id: uuid.UUID) -> str:
    # import here: auth's services need the app configured first.
    from app.auth.services import start_session_for

    with app.test_request_context():
        sid = start_session_for(tenant_id, worker_id, method="bench", origin=None, user_agent=None)
    signer = app.session_interface.get_signing_serializer(app)
    return f"{app.config['SESSION_COOKIE_NAME']}={signer.dumps({'sid': sid})}"


def start_gunicorn(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "NAZORG_CONFIG": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        "PORTAL_BASE_URL": "https://nazorg.bench.invalid",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def wrk(url: str, cookie: str, seconds: int, connections: int, script: Path) -> dict:
    output = subprocess.run(  # noqa: S603 - wrk, fixed arguments, loopback only
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            "-H",
            f"Cookie: {cookie}",
            "-H",
            "Accept-Language: nl",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(re.search(r"^JSON (.*)$", output, re.M).group(1))
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


BENCH_USERS = {
    "worker": "Bench Casemanager",
    "coordinator": "Bench Coordinator",
    "volunteer": "Bench Vrijwilliger",
}


def measured_tenant(app) -> int:
    """The centre municipality: it has every role the pages need."""
    with app.app_context():
        return db.session.scalar(
            db.select(Tenant.id).where(Tenant.is_centre).order_by(Tenant.id).limit(1)
        )


def bench_users(app, tenant_id: int) -> dict[str, uuid.UUID]:
    with app.app_context(), tenant_app_context(tenant_id):
        return {
            role: db.session.scalar(
                # tenant_id spelled out: the RLS-off copy has no policy to add it
                text("SELECT id FROM users WHERE display_name = :name AND tenant_id = :t"),
                {"name": name, "t": tenant_id},
            )
            for role, name in BENCH_USERS.items()
        }


# The case page measured: a file still open (its forms, the case-worker list and the plan's
# open tasks are on the page) with the longest history of tasks and events.
LONG_HISTORY = """
SELECT cases.id FROM cases
WHERE cases.phase <> 'closed'
ORDER BY (SELECT count(*) FROM tasks WHERE tasks.case_id = cases.id)
       + (SELECT count(*) FROM case_events WHERE case_events.case_id = cases.id) DESC,
         cases.id
LIMIT 1
"""


def pages(app, tenant_id: int) -> dict[str, tuple[str, str]]:
    """Page name → (path, the role that opens it)."""
    with app.app_context(), tenant_app_context(tenant_id):
        case_id = db.session.execute(text(LONG_HISTORY)).scalar()
        bsn = db.session.execute(text("SELECT bsn FROM clients ORDER BY id LIMIT 1")).scalar()
    return {
        "case list, first page": ("/cases/", "worker"),
        "case list, name search": ("/cases/?q=bakker", "worker"),
        "case list, exact BSN": (f"/cases/?q={bsn}", "worker"),
        "case list, release within 30 days": ("/cases/?release_within=30", "worker"),
        "case list, sorted by name": ("/cases/?sort=name", "worker"),
        "case page, long history": (f"/cases/{case_id}", "worker"),
        # A case worker's start page is the case list with the team's unassigned queue
        # (core.start redirects there); the tenant admin's start page shows the queue panel.
        "start page, work queue": ("/cases/?worker=none&phase=open", "worker"),
        "notifications": ("/notifications/", "worker"),
        "regional overview": ("/regio", "coordinator"),
        "mentor portal, start page": ("/mentor/", "volunteer"),
    }


def measure(base: str, cookies: dict[str, str], page_paths: dict, args, twin=None) -> list[dict]:
    """Each page's throughput beside the floor's, ``--rounds`` pairs interleaved. With
    ``twin`` (the base address and cookies of a second portal on the RLS-off copy) every
    round also measures the page there, right before or after it here (the order turns
    each round), so that the RLS ratio compares runs seconds apart, not minutes."""
    script = Path(tempfile.mkdtemp()) / "report.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    floor_cookie = cookies["worker"]
    servers = [(base, cookies)] + ([twin] if twin else [])
    for server_base, server_cookies in servers:  # every worker booted, caches warm
        wrk(server_base + "/over", server_cookies["worker"], 1, 2, script)
        for path, role in page_paths.values():
            wrk(server_base + path, server_cookies[role], 1, 2, script)
    rows = []
    for name, (path, role) in page_paths.items():
        status = probes.status_of(base + path, cookies[role])
        if status != 200:  # a redirect to sign-in would be measured as a fast page
            print(f"{name:36} answered {status}: not measured")
            rows.append({"page": name, "path": path, "status": status})
            continue
        ratios, page_runs, rls_ratios, off_runs = [], [], [], []
        for round_number in range(args.rounds):  # pairs interleaved: floor, page, floor, page
            floor = wrk(base + "/over", floor_cookie, args.seconds, args.connections, script)
            if twin and round_number % 2:
                off = wrk(twin[0] + path, twin[1][role], args.seconds, args.connections, script)
            page = wrk(base + path, cookies[role], args.seconds, args.connections, script)
            if twin and not round_number % 2:
                off = wrk(twin[0] + path, twin[1][role], args.seconds, args.connections, script)
            ratios.append(page["rps"] / max(floor["rps"], 1e-9))
            page_runs.append(page)
            if twin:
                rls_ratios.append(page["rps"] / max(off["rps"], 1e-9))
                off_runs.append(off)
        rows.append(
            {
                "page": name,
                "path": path,
                "rps": statistics.median(r["rps"] for r in page_runs),
                "p50_ms": statistics.median(r["p50"] for r in page_runs),
                "p95_ms": statistics.median(r["p95"] for r in page_runs),
                "ratio_to_floor": statistics.median(ratios),
                "errors": sum(r["errors"] + r["non2xx"] for r in page_runs + off_runs),
                "status": status,
            }
        )
        if twin:
            rows[-1]["rps_rls_off"] = statistics.median(r["rps"] for r in off_runs)
            rows[-1]["rls_on_off"] = statistics.median(rls_ratios)
        print(
            f"{name:36} {rows[-1]['rps']:8.1f} rps  p50 {rows[-1]['p50_ms']:7.1f} ms  "
            f"p95 {rows[-1]['p95_ms']:7.1f} ms  floor ratio {rows[-1]['ratio_to_floor']:.2f}"
            + (f"  RLS on/off {rows[-1]['rls_on_off']:.2f}" if twin else "")
            + (f"  ERRORS {rows[-1]['errors']}" if rows[-1]["errors"] else "")
        )
    return rows


def machine() -> dict:
    commit = subprocess.run(  # noqa: S603
        [shutil.which("git") or "/usr/bin/git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "commit": commit,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        # Other work on the machine slows the floor and the page alike; the load says how
        # far the absolute figures can be trusted (the ratios hold better).
        "load_average_1_5_15": [round(x, 1) for x in os.getloadavg()],
    }


def write_results(scale: str, results: dict) -> Path:
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    about = machine()
    (out / f"deployment-{scale}.json").write_text(
        json.dumps({"scale": scale, "machine": about, **results}, indent=2, default=str),
        encoding="utf-8",
    )
    counts, rows = results["rows"], results["pages"]
    explain = {r["page"]: r for r in results.get("probes", {}).get("explain", [])}
    base = {r["page"]: r for r in results.get("pages_growth_base", []) if r["status"] == 200}
    lines = [
        f"# Deployment benchmark, scale {scale}",
        "",
        f"Commit {about['commit']}, {about['when']}, {about['cpus']} cores, {about['platform']}, "
        f"load average {about['load_average_1_5_15']} when written.",
        "Rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()) + ".",
        "",
        "| page | req/s | p50 ms | p95 ms | ÷ floor | RLS on ÷ off | db ms "
        "| large tables read whole | p50 growth |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    if base:
        small = results["growth_base"]
        lines[4:4] = [
            f"p50 growth: this scale's p50 ÷ the p50 of the same page on {small['database']} "
            f"({small['rows'].get('clients', 0):,} clients), measured right after in the same "
            "run.",
            "",
        ]
    for r in rows:
        if r["status"] != 200:
            lines.append(f"| {r['page']} | answered {r['status']} | | | | | | | |")
            continue
        ratio = f"{r['rls_on_off']:.2f}" if "rls_on_off" in r else "–"
        plan = explain.get(r["page"], {})
        db_ms = f"{plan['database_ms']:.1f}" if plan else "–"
        whole = ", ".join(plan.get("large_tables_read_whole", [])) or "none"
        growth = f"{r['p50_ms'] / base[r['page']]['p50_ms']:.2f}" if r["page"] in base else "–"
        lines.append(
            f"| {r['page']} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} "
            f"| {r['ratio_to_floor']:.2f} | {ratio} | {db_ms} | {whole} | {growth} |"
        )
    found = results.get("probes", {})
    if "csv_export" in found:
        e = found["csv_export"]
        lines += [
            "",
            f"CSV export: {e['rows']:,} rows, first byte {e['first_byte_s']:.2f} s, "
            f"done {e['total_s']:.2f} s, workers' memory {e['memory_above_idle_mib']:.1f} MiB "
            f"above idle (HTTP {e['status']}).",
        ]
    if "intake_api" in found:
        i = found["intake_api"]
        lines.append(
            f"Intake API: {i['documents_per_second']:.1f} documents/s created with "
            f"{i['clients']} clients in batches of {i['batch_size']} (p50 {i['p50_ms']:.0f} ms "
            f"a batch, answers {i['statuses']})."
        )
    if "matching" in found:
        m = found["matching"]
        lines.append(
            f"Matching: {m['clients']:,} clients × {m['volunteers']:,} volunteers in "
            f"{m['seconds']:.2f} s ({m['cpu_seconds']:.2f} s CPU), "
            f"peak {m['peak_rss_mib']:.0f} MiB, "
            f"{m['served']:,} served, {'optimal' if m['optimal'] else 'not proven optimal'}."
        )
    path = out / f"deployment-{scale}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


COUNTED = ("clients", "cases", "tasks", "case_events", "case_notes", "access_log")


def row_counts(owner_url: str) -> dict[str, int]:
    """Rows in all municipalities together: the owner obeys the policies, so per tenant."""
    engine = create_engine(owner_url)
    counts = dict.fromkeys(COUNTED, 0)
    with engine.connect() as connection:
        tenant_ids = connection.execute(text("SELECT id FROM tenants")).scalars().all()
        connection.commit()
        counts = {"tenants": len(tenant_ids), **counts}
        for tenant_id in tenant_ids:
            with connection.begin():
                connection.execute(
                    text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
                )
                for table in COUNTED:
                    counts[table] += connection.execute(
                        text(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - fixed names
                    ).scalar()
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--database", default="nazorg_bench")
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="floor/page pairs per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="reuse the filled database")
    parser.add_argument(
        "--rls-off", action="store_true", help="also measure a copy without row-level security"
    )
    parser.add_argument("--intake-seconds", type=int, default=10)
    parser.add_argument(
        "--intake-batch",
        type=int,
        default=100,
        help="documents per batch of the intake probe (0: the single-document endpoint)",
    )
    parser.add_argument(
        "--probe",
        choices=("intake",),
        help="run this probe alone under gunicorn (no pages, no results file)",
    )
    parser.add_argument(
        "--pages",
        default="",
        help="only the pages whose name contains one of these comma-separated words "
        "(a quick check while working; no results file is written)",
    )
    parser.add_argument("--no-probes", action="store_true", help="pages only (no results file)")
    parser.add_argument(
        "--growth-database",
        help="also measure the same pages on this database, filled at a smaller scale "
        "(e.g. --scale small --database nazorg_bench first), for the growth of each p50",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    app_url, owner_url = urls(args.database)
    app = bench_app(app_url, owner_url)
    municipalities, clients = SCALES[args.scale]
    rng = random.Random(7)  # noqa: S311 - fictitious bench data
    if not args.keep:
        reset_schema(owner_url)
        with app.app_context():
            flask_migrate.upgrade()
        started = time.perf_counter()
        fill(app, municipalities, clients, rng)
        print(f"filled in {time.perf_counter() - started:.0f} s")
    counts = row_counts(owner_url)
    print(counts)
    tenant_id = measured_tenant(app)
    results = {"rows": counts}
    # The paths are chosen once, on the database with its policies: the RLS-off copy would
    # otherwise pick a case of another municipality.
    if args.probe == "intake":
        print("intake api", intake_alone(app, app_url, tenant_id, args))
        print("partial run: no results file written")
        return
    page_paths = pages(app, tenant_id)
    partial = bool(args.pages) or args.no_probes
    if args.pages:
        words = [w.strip() for w in args.pages.split(",") if w.strip()]
        page_paths = {n: p for n, p in page_paths.items() if any(w in n for w in words)}
    # The copy is made first: it needs the filled database without connections.
    rls_off = probes.rls_off_copy(owner_url, args.database) if args.rls_off else None
    results["pages"], results["probes"] = run_portal(
        app,
        app_url,
        owner_url,
        tenant_id,
        page_paths,
        args,
        probes_too=not args.no_probes,
        rls_off=rls_off,
    )
    if not args.no_probes:
        results["probes"]["matching"] = probes.matching()
        print("matching", results["probes"]["matching"])
    if args.growth_database:
        results.update(growth_base(args.growth_database, page_paths, args))
    if partial:
        print("partial run: no results file written")
    else:
        print(f"written {write_results(args.scale, results)}")


def growth_base(database: str, page_paths: dict, args) -> dict:
    """The same pages on a database filled at a smaller scale, right after this scale's
    (not interleaved: the growth column is as noisy as the machine between the two)."""
    base_app_url, base_owner_url = urls(database)
    base_app = bench_app(base_app_url, base_owner_url)
    base_tenant = measured_tenant(base_app)
    base_paths = {n: p for n, p in pages(base_app, base_tenant).items() if n in page_paths}
    rows, _ = run_portal(
        base_app, base_app_url, base_owner_url, base_tenant, base_paths, args, probes_too=False
    )
    return {
        "pages_growth_base": rows,
        "growth_base": {"database": database, "rows": row_counts(base_owner_url)},
    }


def bench_app(app_url: str, owner_url: str):
    return create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app_url,
            "MIGRATION_DATABASE_URI": owner_url,
            "REDIS_URL": None,
            "SECRET_KEY": SECRET_KEY,
            "SESSION_COOKIE_NAME": "__Host-nazorg",
        },
    )


def signed_in_cookies(app, tenant_id: int) -> dict[str, str]:
    """A session cookie for each bench user the database has, by role."""
    return {
        role: session_cookie(app, tenant_id, user_id)
        for role, user_id in bench_users(app, tenant_id).items()
        if user_id is not None
    }


def run_portal(app, app_url, owner_url, tenant_id, all_pages, args, probes_too=True, rls_off=None):
    """The pages under gunicorn with wrk, then (``probes_too``) the intake API, the export
    and the database's own time per page. ``rls_off`` names the throwaway copy without
    row-level security: a second gunicorn serves it and every page is measured there too,
    interleaved with the measurement here."""
    cookies = signed_in_cookies(app, tenant_id)
    page_paths = {name: page for name, page in all_pages.items() if page[1] in cookies}
    port = free_port()
    server = start_gunicorn(app_url, port)
    twin_server, twin = None, None
    extra = {}
    try:
        if rls_off:
            twin_app_url, twin_owner_url = urls(rls_off)
            twin_cookies = signed_in_cookies(bench_app(twin_app_url, twin_owner_url), tenant_id)
            twin_port = free_port()
            twin_server = start_gunicorn(twin_app_url, twin_port)
            twin = (f"http://127.0.0.1:{twin_port}", twin_cookies)
        rows = measure(f"http://127.0.0.1:{port}", cookies, page_paths, args, twin)
        if probes_too:
            extra["csv_export"] = probes.csv_export(port, cookies["worker"], server.pid)
            print("csv export", extra["csv_export"])
            extra["intake_api"] = probes.intake_api(
                port,
                api_token(app, intake_tenant(app, tenant_id)),
                args.intake_seconds,
                batch_size=args.intake_batch,
            )
            print("intake api", extra["intake_api"])
    finally:
        for running in (server, twin_server):
            if running is not None:
                running.send_signal(signal.SIGTERM)
                running.wait(timeout=30)
    if probes_too:
        extra["explain"] = probes.explain_pages(
            app,
            cookies,
            page_paths,
            owner_url,
        )
        for row in extra["explain"]:
            print("explain", row)
    return rows, extra


def intake_tenant(app, measured: int) -> int:
    """Where the intake probe sends its documents: another municipality than the measured
    one. Its new cases have no case worker yet; in the measured municipality they piled up
    on the work queue run after run of a kept database (1,400 after a few runs: the work
    queue's growth column measured the probe, not the portal)."""
    with app.app_context():
        return db.session.scalar(
            db.select(Tenant.id).where(Tenant.id != measured).order_by(Tenant.id).limit(1)
        )


def intake_alone(app, app_url: str, tenant_id: int, args) -> dict:
    """The intake probe by itself, under the same gunicorn as the full run."""
    token = api_token(app, intake_tenant(app, tenant_id))
    port = free_port()
    server = start_gunicorn(app_url, port)
    try:
        return probes.intake_api(port, token, args.intake_seconds, batch_size=args.intake_batch)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def api_token(app, tenant_id: int) -> str:
    from app.cases.intake import tokens

    with app.app_context(), tenant_app_context(tenant_id):
        token = tokens.issue_token(tenant_id)
        db.session.commit()
    return token


if __name__ == "__main__":
    main()
