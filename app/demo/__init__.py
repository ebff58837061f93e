"""Demo data for the one-command demo: fictitious people, generated citizen numbers.

Idempotent: a tenant that already has demo users is left as it is, so running
the demo command twice does not duplicate anything.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import click
from flask import Flask
from sqlalchemy import select

from app.auth.api import DEMO_ISSUER, User
from app.cases.api import (
    CasePhase,
    Client,
    DomainStatus,
    MonitorMoment,
    SharingBasis,
    bind_provider_worker,
    care_director,
    complete_task,
    generate_bsn,
    generate_plan,
    hand_over,
    install_default_partners,
    open_case,
    record_basis,
    take_snapshot,
)
from app.core.context import tenant_app_context
from app.core.permissions import Role
from app.extensions import db
from app.tenants.api import Tenant

GIVEN_NAMES = (
    "Jeroen",
    "Sanne",
    "Mohamed",
    "Linda",
    "Kevin",
    "Fatima",
    "Dennis",
    "Esra",
    "Mark",
    "Priscilla",
    "Ricardo",
    "Anouk",
    "Youssef",
    "Marieke",
    "Bas",
    "Naima",
    "Tom",
    "Kim",
    "Ahmet",
    "Chantal",
    "Stefan",
    "Iris",
    "Gerrit",
    "Samira",
    "Pieter",
    "Yvonne",
)
FAMILY_NAMES = (
    "de Vries",
    "Jansen",
    "Bakker",
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
    "Kok",
    "Jacobs",
    "Yilmaz",
    "El Amrani",
    "Wolters",
    "Nijland",
    "Oosterhof",
    "Hulshof",
    "Brinkman",
)
FACILITIES = (
    "PI Zwolle",
    "PI Almelo",
    "PI Arnhem",
    "PI Lelystad",
    "PI Nijmegen",
    "PI Achterhoek",
)
PHASE_BY_DAYS_TO_RELEASE = (
    (-1, CasePhase.AFTER_RELEASE),
    (42, CasePhase.RELEASE_PREPARATION),
    (10_000, CasePhase.IN_DETENTION),
)


def load_demo_data(today: date | None = None, seed: int = 2026) -> dict[str, int]:
    """Fill every tenant with demo staff, volunteers and clients; return clients per tenant."""
    today = today or date.today()
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.id)).all()
    counts = {}
    for tenant in tenants:
        rng = random.Random(f"{seed}-{tenant.slug}")  # noqa: S311 - fictitious demo data
        with tenant_app_context(tenant.id):
            if _has_demo_users():
                counts[tenant.slug] = 0
                continue
            case_worker = _add_staff(tenant)
            counts[tenant.slug] = _add_clients(rng, case_worker, today)
            db.session.commit()
    return counts


def _has_demo_users() -> bool:
    return db.session.scalar(select(User.id).where(User.issuer == DEMO_ISSUER).limit(1)) is not None


def _add_staff(tenant: Tenant) -> User:
    def person(role: Role, name: str) -> User:
        slug = name.lower().replace(" ", ".")
        user = User(
            display_name=name,
            email=f"{slug}@{tenant.slug}.demo.invalid",
            role=role.value,
            issuer=DEMO_ISSUER,
            subject=f"{tenant.slug}-{slug}",
        )
        db.session.add(user)
        return user

    case_worker = person(Role.CASE_WORKER, f"Casemanager {tenant.name}")
    person(Role.TENANT_ADMIN, f"Beheerder {tenant.name}")
    person(Role.PRIVACY_OFFICER, f"Privacyfunctionaris {tenant.name}")
    person(Role.VOLUNTEER, f"Vrijwilliger A {tenant.name}")
    person(Role.VOLUNTEER, f"Vrijwilliger B {tenant.name}")
    if tenant.is_centre:
        person(Role.REGIONAL_COORDINATOR, f"Regiocoördinator {tenant.name}")
    provider_worker = person(Role.PROVIDER_WORKER, f"Zorgregisseur {tenant.name}")
    db.session.flush()
    # The care director (Regizorg BV) of the municipality's partners: its worker sees the
    # demo's hand-overs on /trajecten (the partners come with onboarding, or here).
    install_default_partners()
    director = care_director()
    if director is not None:
        bind_provider_worker(director, provider_worker.id, "demo")
    return case_worker


def _add_clients(rng: random.Random, case_worker: User, today: date) -> int:
    count = rng.randint(15, 30)
    used_bsns: set[str] = set()
    for _ in range(count):
        bsn = generate_bsn(rng)
        while bsn in used_bsns:
            bsn = generate_bsn(rng)
        used_bsns.add(bsn)
        client = Client(
            given_name=rng.choice(GIVEN_NAMES),
            family_name=rng.choice(FAMILY_NAMES),
            date_of_birth=today - timedelta(days=rng.randint(19 * 365, 60 * 365)),
            bsn=bsn,
        )
        # About four in five are short stays (under four months), as in the plan.
        stay_days = rng.randint(14, 110) if rng.random() < 0.8 else rng.randint(120, 900)
        days_to_release = rng.randint(-30, 180)
        expected_release = today + timedelta(days=days_to_release)
        case = open_case(
            client,
            case_worker_id=case_worker.id,
            facility=rng.choice(FACILITIES),
            detention_start=expected_release - timedelta(days=stay_days),
            expected_release=expected_release,
            actual_release=expected_release if days_to_release < 0 else None,
            phase=_phase_for(days_to_release).value,
        )
        for domain in case.life_domains:
            domain.status = rng.choice(list(DomainStatus)).value
        _add_plan(rng, case, today)
    return count


def _add_plan(rng: random.Random, case, today: date) -> None:
    """The plan from the default template, with the tasks that are past mostly done."""
    db.session.flush()
    take_snapshot(case, MonitorMoment.INTAKE, "demo")
    for task in generate_plan(case, "demo", today=case.detention_start or today):
        if task.due_date < today and rng.random() < 0.75:
            complete_task(task, "demo")
    if case.actual_release is not None:
        take_snapshot(case, MonitorMoment.RELEASE, "demo")
        # Most released clients go on with the care director, on the statutory basis; the
        # plan leaves prolific offenders and benefit recipients to their own approach.
        own_approach = case.prolific_offender or case.benefit_recipient
        if not own_approach and rng.random() < 0.6:
            record_basis(
                case,
                "demo",
                domain="income",
                basis=SharingBasis.STATUTORY.value,
                effective_on=case.actual_release,
            )
            hand_over(case, "demo", start_date=case.actual_release)


def _phase_for(days_to_release: int) -> CasePhase:
    for limit, phase in PHASE_BY_DAYS_TO_RELEASE:
        if days_to_release <= limit:
            return phase
    return CasePhase.IN_DETENTION


def init_app(app: Flask) -> None:
    @app.cli.command("load-demo")
    def load_demo() -> None:
        """Load the demo data (idempotent)."""
        counts = load_demo_data()
        for slug, clients in counts.items():
            click.echo(f"{slug}: {clients} new demo clients")
