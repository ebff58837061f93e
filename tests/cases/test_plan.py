"""The plan keyed to the release date: templates, compression, moving dates, immediate release."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.cases import release
from app.cases.models import Case
from app.cases.plan import services as plan
from app.cases.plan.models import Task
from app.extensions import db
from tests.factories import UserFactory

TODAY = date.today()


def load(case) -> Case:
    return db.session.get(Case, (case.tenant_id, case.id))


def test_default_template_follows_the_plan():
    rows = plan.default_template_rows()
    domains = {r["domain"] for r in rows}
    assert {"identity", "housing", "income", "debts", "care"} <= domains
    titles = " ".join(r["title"] for r in rows).lower()
    for words in (
        "identiteitsbewijs",
        "uwv",
        "zakgeld",
        "cjib",
        "zorgverzekering",
        "verslavingszorg",
        "bijzondere bijstand",
        "beschermd",
    ):
        assert words in titles, words
    debt_after = [r for r in rows if r["domain"] == "debts" and r["responsible"] == "debt_help"]
    assert debt_after and all(r["phase"] == "after_release" for r in debt_after)


def test_a_short_stay_gets_the_compressed_plan(tenants, in_tenant, make_case):
    """The detention length decides the housing tasks (DOMAIN.md): rent from special
    assistance for more than a month and at most six, the home kept occupied from three."""
    long_case = make_case(
        tenants["deventer"],
        detention_start=TODAY - timedelta(days=10),
        expected_release=TODAY + timedelta(days=200),
        plan=True,
    )
    short_case = make_case(
        tenants["deventer"],
        detention_start=TODAY - timedelta(days=10),
        expected_release=TODAY + timedelta(days=30),
        plan=True,
    )
    with in_tenant(tenants["deventer"]):
        long_case, short_case = load(long_case), load(short_case)
        assert long_case.stay == "long" and short_case.stay == "short"
        long_tasks, short_tasks = plan.tasks_of(long_case), plan.tasks_of(short_case)
    long_titles, short_titles = {t.title for t in long_tasks}, {t.title for t in short_tasks}
    rent = "Doorbetaling van de huur uit de bijzondere bijstand beoordelen"
    occupied = "Bewoning van de woning regelen bij detentie langer dan drie maanden"
    assert rent in short_titles and rent not in long_titles  # 40 days: more than one month
    assert occupied in long_titles and occupied not in short_titles
    for task in short_tasks:
        if task.before_release:
            assert TODAY <= task.due_date <= short_case.expected_release, task.title
    # The compressed offsets: the identity document is arranged a week before release.
    identity = next(t for t in short_tasks if t.title.startswith("Identiteitsbewijs regelen"))
    assert identity.due_date == short_case.expected_release - timedelta(days=7)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shift=st.integers(min_value=-20, max_value=120))
def test_moving_the_release_date_moves_only_the_open_tasks_anchored_on_it(
    tenants, in_tenant, make_case, shift
):
    """Issue 11 changed this: detention-anchored tasks stay where they are."""
    case = make_case(tenants["lochem"], plan=True)
    with in_tenant(tenants["lochem"]):
        case = load(case)
        tasks = plan.tasks_of(case)
        plan.complete_task(tasks[0], "t")
        before = {t.id: (t.due_date, t.is_open, t.anchor) for t in tasks}
        release.move_expected_release(case, case.expected_release + timedelta(days=shift), "t")
        db.session.commit()
        after = {t.id: t for t in plan.tasks_of(case)}
    for task_id, (due, is_open, anchor) in before.items():
        task = after[task_id]
        moves = is_open and anchor in ("release", "actual_release")
        assert task.due_date == (due + timedelta(days=shift) if moves else due), task.title
        if is_open and task.is_open and anchor == "detention_start":
            assert task.due_date == due


def test_an_immediate_release_makes_every_open_pre_release_task_due_today(
    tenants, in_tenant, make_case
):
    case = make_case(tenants["raalte"], expected_release=TODAY + timedelta(days=90), plan=True)
    with in_tenant(tenants["raalte"]):
        case = load(case)
        release.record_release(case, TODAY, "t")
        db.session.commit()
        tasks = plan.tasks_of(case)
        assert case.phase == "after_release" and case.actual_release == TODAY
        assert {s.moment for s in case.snapshots} == {"release"}
    pre = [t for t in tasks if t.before_release]
    post = [t for t in tasks if not t.before_release]
    # Issue 11: due by the release day (those made for today or later are due today).
    assert pre and all(t.due_date == TODAY for t in pre)
    assert post and all(t.due_date > TODAY for t in post)


def test_recording_the_release_moves_the_open_after_release_tasks_with_it(
    tenants, in_tenant, make_case
):
    """Released 90 days early: "the day after release" is tomorrow, not 91 days away."""
    early = make_case(tenants["raalte"], expected_release=TODAY + timedelta(days=90), plan=True)
    late = make_case(
        tenants["raalte"],
        detention_start=TODAY - timedelta(days=200),
        expected_release=TODAY - timedelta(days=10),
        plan=True,
    )
    with in_tenant(tenants["raalte"]):
        early, late = load(early), load(late)
        after = [t for t in plan.tasks_of(early) if not t.before_release]
        plan.complete_task(after[-1], "t")
        before = {t.id: (t.due_date, t.is_open, t.before_release) for t in plan.tasks_of(early)}
        late_before = {t.id: (t.due_date, t.before_release) for t in plan.tasks_of(late)}
        release.record_release(early, TODAY, "t")
        release.record_release(late, TODAY, "t")
        db.session.commit()
        early_after = {t.id: t for t in plan.tasks_of(early)}
        late_after = {t.id: t for t in plan.tasks_of(late)}
    for task_id, (due, is_open, before_release) in before.items():
        task = early_after[task_id]
        if not is_open:
            assert task.due_date == due  # done tasks keep their dates
        elif before_release:
            assert task.due_date == TODAY
        else:
            assert task.due_date == due - timedelta(days=90), task.title
    continue_care = next(t for t in early_after.values() if t.title.startswith("Zorgtraject"))
    assert continue_care.due_date == TODAY + timedelta(days=1)
    # Released ten days late: the after-release tasks move ten days on, the others stay.
    for task_id, (due, before_release) in late_before.items():
        moved = due if before_release else due + timedelta(days=10)
        assert late_after[task_id].due_date == moved, late_after[task_id].title


def test_after_the_release_a_new_expected_date_moves_no_task(tenants, in_tenant, make_case):
    case = make_case(tenants["lochem"], expected_release=TODAY + timedelta(days=30), plan=True)
    with in_tenant(tenants["lochem"]):
        case = load(case)
        release.record_release(case, TODAY, "t")
        due = {t.id: t.due_date for t in plan.tasks_of(case)}
        assert release.move_expected_release(case, TODAY + timedelta(days=60), "t") == 0
        db.session.commit()
        assert {t.id: t.due_date for t in plan.tasks_of(case)} == due


def test_tenant_templates_drive_new_plans(tenants, in_tenant, make_case, worker_client):
    with in_tenant(tenants["zutphen"]):
        admin = UserFactory(role="tenant_admin")
    client = worker_client(admin)
    assert client.get("/cases/admin/templates").status_code == 200
    response = client.post(
        "/cases/admin/templates",
        data={
            "domain": "housing",
            "phase": "release_preparation",
            "title": "Huurachterstand bespreken",
            "responsible": "income",
            "anchor": "release",
            "offset_days": "-30",
            "active": "1",
        },
    )
    assert response.status_code == 302
    case = make_case(tenants["zutphen"], expected_release=TODAY + timedelta(days=300), plan=True)
    with in_tenant(tenants["zutphen"]):
        task = db.session.scalars(
            select(Task).where(Task.case_id == case.id, Task.title == "Huurachterstand bespreken")
        ).one()
    assert task.due_date == case.expected_release - timedelta(days=30)
    assert task.responsible == "income"
    # Another municipality's plan is untouched.
    other = make_case(tenants["lochem"], plan=True)
    with in_tenant(tenants["lochem"]):
        titles = [t.title for t in plan.tasks_of(load(other))]
    assert "Huurachterstand bespreken" not in titles


def test_case_workers_cannot_edit_templates(tenants, in_tenant, sign_in):
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
    assert sign_in(worker).get("/cases/admin/templates").status_code == 403


def test_a_task_is_completed_inline_with_htmx(tenants, in_tenant, make_case, worker_client):
    case = make_case(tenants["deventer"], plan=True)
    with in_tenant(tenants["deventer"]):
        task = plan.tasks_of(load(case))[0]
        worker = UserFactory(display_name="Casemanager Test")
    response = worker_client(worker).post(
        f"/cases/{case.id}/tasks/{task.id}/done",
        data={"done": "1", "version": task.version},
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="task-{task.id}"' in body and "Afgerond" in body and "Casemanager Test" in body
