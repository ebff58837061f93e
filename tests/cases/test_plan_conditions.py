"""Issue 11, points 1 and 2: tasks that apply, and dates from their own anchor.

Generated cases (random life-domain statuses, target groups, dates) go through random
steps (a status saved, the expected release or the start of detention moved, the target
group changed, a trajectory started or ended, the release recorded). After every step:
every open task from a template applies to the case, every template that applies has
its task, and a task counted from the start of detention did not move with the release.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.cases import release, services
from app.cases.errors import CaseError
from app.cases.handover import services as handover
from app.cases.models import CORE_LIFE_DOMAINS, Case, DomainStatus
from app.cases.plan import services as plan
from app.cases.plan.models import Task, TaskStatus, TaskTemplate
from app.cases.timeline import EventKind, entries_for
from app.extensions import db
from tests.factories import UserFactory, with_sharing_basis

TODAY = date.today()
STATUSES = [s.value for s in DomainStatus]
DOMAINS = [k.value for k in CORE_LIFE_DOMAINS]

statuses = st.fixed_dictionaries({d: st.sampled_from(STATUSES) for d in DOMAINS})
steps = st.lists(
    st.one_of(
        st.tuples(st.just("status"), st.sampled_from(DOMAINS), st.sampled_from(STATUSES)),
        st.tuples(st.just("release"), st.integers(-150, 250)),
        st.tuples(st.just("detention"), st.integers(-60, 60)),
        st.tuples(st.just("group"), st.booleans(), st.booleans()),
        st.tuples(st.just("trajectory"), st.booleans()),
        st.tuples(st.just("released"), st.integers(0, 30)),
    ),
    max_size=6,
)


def load(case) -> Case:
    return db.session.get(Case, (case.tenant_id, case.id))


def check_plan(case: Case) -> None:
    templates = plan.templates()
    tasks = [t for t in plan.tasks_of(case) if t.template_id is not None]
    by_template = {t.template_id: t for t in tasks}
    assert len(by_template) == len(tasks), "one task per template"
    trajectory = plan.in_trajectory(case)
    for template in templates:
        task = by_template.get(template.id)
        reason = plan.why_not(case, template, trajectory=trajectory)
        if reason is None:
            assert task is not None and task.status != TaskStatus.NOT_APPLICABLE.value, (
                f"applies but missing: {template.title}"
            )
        elif task is not None:
            assert not task.is_open, f"open but does not apply ({reason}): {task.title}"


def apply_step(case: Case, step, user) -> dict | None:
    """Run one step; returns the detention-anchored open due dates when the step moved
    only the expected release (they must not move)."""
    kind = step[0]
    if kind == "status":
        domain = case.domain(step[1])
        services.update_life_domain(
            domain, expected_version=None, actor=user, status=step[2], need=None, notes=None
        )
    elif kind == "release":
        pinned = {t.id: t.due_date for t in plan.open_tasks(case) if t.anchor == "detention_start"}
        try:
            release.move_expected_release(case, TODAY + timedelta(days=step[1]), user)
        except CaseError:
            return None  # before the start of detention: refused, nothing moved
        return pinned
    elif kind == "detention":
        new_start = TODAY + timedelta(days=step[1])
        if case.expected_release and new_start > case.expected_release:
            return None
        services.update_case(case, expected_version=None, actor=user, detention_start=new_start)
    elif kind == "group":
        services.update_case(
            case,
            expected_version=None,
            actor=user,
            prolific_offender=step[1],
            benefit_recipient=step[2],
        )
    elif kind == "trajectory":
        active = [t for t in handover.trajectories_of(case) if t.status == "active"]
        if step[1] and not active:
            with_sharing_basis(case)
            handover.hand_over(case, user, start_date=TODAY, reason="Proef")
        for trajectory in active if not step[1] else []:
            handover.update_trajectory(
                trajectory, user, status="completed", end_date=TODAY, expected_version=None
            )
    elif kind == "released" and case.actual_release is None:
        release.record_release(case, TODAY - timedelta(days=step[1]), user)
    return None


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    domain_statuses=statuses,
    prolific=st.booleans(),
    benefit=st.booleans(),
    started_days_ago=st.integers(0, 400),
    release_in=st.integers(-30, 400),
    steps=steps,
)
def test_every_open_task_applies_and_every_task_that_applies_exists(
    tenants,
    in_tenant,
    make_case,
    domain_statuses,
    prolific,
    benefit,
    started_days_ago,
    release_in,
    steps,
):
    start = TODAY - timedelta(days=started_days_ago)
    expected = max(start, TODAY + timedelta(days=release_in))
    case = make_case(
        tenants["raalte"],
        detention_start=start,
        expected_release=expected,
        prolific_offender=prolific,
        benefit_recipient=benefit,
    )
    with in_tenant(tenants["raalte"]):
        user = UserFactory()
        case = load(case)
        for domain in case.life_domains:
            domain.status = domain_statuses.get(domain.domain, domain.status)
        plan.generate_plan(case, user)
        db.session.flush()
        check_plan(case)
        for step in steps:
            pinned = apply_step(case, step, user)
            db.session.flush()
            check_plan(case)
            if pinned:
                now = {t.id: t.due_date for t in plan.tasks_of(case)}
                for task_id, due in pinned.items():
                    assert now[task_id] == due, "a detention-anchored task moved with the release"
        db.session.rollback()


def test_a_task_that_stops_applying_is_closed_with_its_reason_and_comes_back(
    tenants, in_tenant, make_case
):
    case = make_case(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        user = UserFactory()
        case = load(case)
        plan.generate_plan(case, user)
        db.session.commit()
        planned = len(plan.tasks_of(case))
        identity = case.domain("identity")
        titles = {t.title: t for t in plan.tasks_of(case)}
        check = next(t for title, t in titles.items() if title.startswith("Vaststellen of er"))
        services.update_life_domain(
            identity,
            expected_version=None,
            actor=user,
            status="not_applicable",
            need=None,
            notes=None,
        )
        db.session.commit()
        identity_tasks = [t for t in plan.tasks_of(case) if t.domain == "identity"]
        assert identity_tasks and all(t.status == "not_applicable" for t in identity_tasks)
        events = [e for e in entries_for(case.id) if e.kind == EventKind.TASK_NOT_APPLICABLE.value]
        assert {e.detail["reason"] for e in events} == {"domain_status"}
        assert {e.detail["status"] for e in events} == {"not_applicable"}
        plan.complete_task(identity_tasks[0], user, done=False)  # no toggle reopens it
        assert identity_tasks[0].status == "not_applicable"
        # Never deleted: back to not arranged, the same task is open again.
        services.update_life_domain(
            identity,
            expected_version=None,
            actor=user,
            status="not_arranged",
            need=None,
            notes=None,
        )
        db.session.commit()
        assert db.session.get(Task, (check.tenant_id, check.id)).status == "open"
        assert len(plan.tasks_of(case)) == planned  # opened again, not added again


def test_the_stay_and_the_detention_length_follow_a_date_move(tenants, in_tenant, make_case):
    """A short stay that becomes long gets the long-stay housing task; the rent task (at
    most six months) closes when the detention grows past six months."""
    case = make_case(
        tenants["zutphen"],
        detention_start=TODAY - timedelta(days=10),
        expected_release=TODAY + timedelta(days=40),
    )
    rent = "Doorbetaling van de huur uit de bijzondere bijstand beoordelen"
    occupied = "Bewoning van de woning regelen bij detentie langer dan drie maanden"
    with in_tenant(tenants["zutphen"]):
        user = UserFactory()
        case = load(case)
        plan.generate_plan(case, user)
        db.session.commit()
        status = {t.title: t.status for t in plan.tasks_of(case)}
        assert status[rent] == "open" and occupied not in status
        release.move_expected_release(case, TODAY + timedelta(days=250), user)
        db.session.commit()
        status = {t.title: t.status for t in plan.tasks_of(case)}
        assert case.stay == "long"
        assert status[rent] == "not_applicable" and status[occupied] == "open"
        detention_task = next(
            t for t in plan.tasks_of(case) if t.title.startswith("Nagaan of de huidige woning")
        )
        assert detention_task.due_date == TODAY - timedelta(days=10) + timedelta(days=5) or (
            detention_task.due_date == TODAY  # compressed into the time left at intake
        )


def test_a_trajectory_adds_its_task_and_ending_it_closes_it(tenants, in_tenant, make_case):
    case = make_case(tenants["lochem"])
    title = "Afspraken over het traject met de zorgregisseur vastleggen"
    with in_tenant(tenants["lochem"]):
        user = UserFactory()
        case = load(case)
        plan.generate_plan(case, user)
        db.session.commit()
        assert title not in {t.title for t in plan.tasks_of(case)}
        trajectory = handover.hand_over(with_sharing_basis(case), user, start_date=TODAY)
        db.session.commit()
        assert {t.title: t.status for t in plan.tasks_of(case)}[title] == "open"
        handover.update_trajectory(
            trajectory, user, status="cancelled", end_date=TODAY, expected_version=None
        )
        db.session.commit()
        assert {t.title: t.status for t in plan.tasks_of(case)}[title] == "not_applicable"


def test_a_case_without_a_plan_gets_no_tasks_from_a_status_change(tenants, in_tenant, make_case):
    case = make_case(tenants["raalte"])
    with in_tenant(tenants["raalte"]):
        case = load(case)
        services.update_life_domain(
            case.domain("housing"),
            expected_version=None,
            actor="t",
            status="not_arranged",
            need=None,
            notes=None,
        )
        db.session.commit()
        assert plan.tasks_of(case) == []


def test_the_default_template_names_functions_and_carries_the_domain_rules():
    rows = plan.default_template_rows()
    text = " ".join(f"{r['title']} {r.get('description', '')}" for r in rows)
    for unit in ("Stadthuis", "Budget Adviesbureau", "Humanitas", "Tactus", "Deventer"):
        assert unit not in text, unit
    by_title = {r["title"]: r for r in rows}
    rent = by_title["Doorbetaling van de huur uit de bijzondere bijstand beoordelen"]
    assert rent["conditions"]["min_detention_months"] == 1
    assert rent["conditions"]["max_detention_months"] == 6
    occupied = by_title["Bewoning van de woning regelen bij detentie langer dan drie maanden"]
    assert occupied["conditions"]["min_detention_months"] == 3
    reintegration = by_title["Re-integratietraject al tijdens de detentie starten"]
    assert reintegration["phase"] != "after_release"
    debt_help = [r for r in rows if r["domain"] == "debts" and r["responsible"] == "debt_help"]
    assert debt_help and all(r["phase"] == "after_release" for r in debt_help)
    for row in rows:  # every row loads: known conditions and values
        assert plan.validate_conditions(row.get("conditions")) is not None or not row.get(
            "conditions"
        )


def test_the_template_editor_shows_conditions_in_words(tenants, in_tenant, worker_client):
    with in_tenant(tenants["deventer"]):
        admin = UserFactory(role="tenant_admin")
    body = worker_client(admin).get("/cases/admin/templates").get_data(as_text=True)
    assert "alleen als identiteit niet geregeld of onbekend is" in body
    assert "alleen bij een detentie langer dan één maand en hoogstens 6 maanden" in body
    assert "alleen in een traject van de zorgregisseur" in body


def test_templates_installed_for_a_municipality_carry_the_conditions(tenants, in_tenant):
    with in_tenant(tenants["lochem"]):
        plan.templates()
        rows = db.session.scalars(select(TaskTemplate)).all()
        assert any(r.conditions and r.conditions.get("min_detention_months") == 3 for r in rows)
