"""The plan does what the README and the template editor say (issue 11, last line):
the stay from the first judgement for the badge and the plan alike, "only during
detention" deciding over the phase, a template's tasks not made twice after going back
to the default template, and the editor's help in the words of the code."""

from __future__ import annotations

from datetime import date, timedelta

from app.cases import release, services
from app.cases.models import Case, StayKind
from app.cases.plan import services as plan
from app.cases.plan.models import PlanPhase, TaskTemplate
from app.extensions import db
from tests.factories import UserFactory

TODAY = date.today()


def load(case) -> Case:
    return db.session.get(Case, (case.tenant_id, case.id))


def test_the_badge_and_the_plan_count_the_stay_from_the_first_judgement(
    tenants, in_tenant, make_case
):
    """Detained three months ago, judged two weeks ago, released in three and a half
    months: from the start of detention a long stay, from the judgement a short one."""
    case = make_case(
        tenants["lochem"],
        detention_start=TODAY - timedelta(days=90),
        judgement_date=TODAY - timedelta(days=14),
        expected_release=TODAY + timedelta(days=105),
    )
    with in_tenant(tenants["lochem"]):
        case = load(case)
        assert case.stay == StayKind.SHORT
        assert plan.stay_of(case) == StayKind.SHORT
        case.judgement_date = None  # unknown: the start of detention stands in
        assert case.stay == plan.stay_of(case) == StayKind.LONG
        case.detention_start = None
        assert case.stay is None and plan.stay_of(case) == StayKind.SHORT
        db.session.rollback()


def test_only_during_detention_decides_over_the_after_release_phase(tenants, in_tenant, make_case):
    case = make_case(
        tenants["raalte"],
        detention_start=TODAY - timedelta(days=30),
        expected_release=TODAY + timedelta(days=40),
    )
    with in_tenant(tenants["raalte"]):
        plan.templates()
        during = TaskTemplate(
            domain="income",
            phase=PlanPhase.AFTER_RELEASE.value,
            title="Aanvraag tijdens de detentie, in de fase na ontslag",
            responsible="income",
            anchor="release",
            offset_days=10,
            conditions={"order": "during_detention"},
            position=5000,
            active=True,
        )
        after = TaskTemplate(
            domain="income",
            phase=PlanPhase.AFTER_RELEASE.value,
            title="Gewone taak na ontslag",
            responsible="income",
            anchor="release",
            offset_days=-10,
            position=5010,
            active=True,
        )
        db.session.add_all([during, after])
        db.session.flush()
        case = load(case)
        plan.generate_plan(case, "t")
        tasks = {t.title: t for t in plan.tasks_of(case)}
        assert tasks[during.title].before_release is True
        assert tasks[during.title].due_date == case.expected_release
        assert tasks[after.title].before_release is False
        assert tasks[after.title].due_date == case.expected_release
        release.record_release(case, TODAY - timedelta(days=1), UserFactory())
        tasks = {t.title: t for t in plan.tasks_of(case)}
        assert tasks[during.title].due_date == TODAY - timedelta(days=1)
        db.session.rollback()


def test_going_back_to_the_default_template_does_not_make_the_tasks_twice(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["zutphen"], plan=True)
    with in_tenant(tenants["zutphen"]):
        admin = UserFactory(role="tenant_admin")
        before = {(t.domain, t.title): t.id for t in plan.tasks_of(load(case))}
        db.session.commit()
    client = worker_client(admin)
    assert client.post("/cases/admin/templates/reset").status_code in (302, 303)
    with in_tenant(tenants["zutphen"]):
        loaded = load(case)
        domain = loaded.domain("identity")
        status = "arranged" if domain.status != "arranged" else "not_arranged"
        services.update_life_domain(
            domain, expected_version=None, actor="t", status=status, need=None, notes=None
        )
        tasks = plan.tasks_of(loaded)
        keys = [(t.domain, t.title) for t in tasks]
        assert len(keys) == len(set(keys)), "a task made a second time"
        current = {t.id for t in plan.templates()}
        assert {t.template_id for t in tasks if (t.domain, t.title) in before} <= current
        assert {(t.domain, t.title): t.id for t in tasks if (t.domain, t.title) in before} == before
        db.session.commit()


def test_the_editor_says_how_the_plan_follows(tenants, in_tenant, worker_client):
    with in_tenant(tenants["deventer"]):
        admin = UserFactory(role="tenant_admin")
        db.session.commit()
    page = worker_client(admin).get("/cases/admin/templates").get_data(as_text=True)
    for words in (
        "vanaf vier maanden tussen de eerste uitspraak",
        "worden op deze pagina niet gewijzigd",
        "geldt voor de taken die daarna worden gemaakt",
        "wordt geen tweede keer gemaakt",
        "na de geregistreerde vrijlating verschuift de verwachte datum niets meer",
        "'alleen tijdens de detentie' is een taak voor de vrijlating",
    ):
        assert words in page, words
