"""Every HTML form of the case file, field by field (hypothesis): the value saved equals the
value sent (without its surrounding white space), or the request was refused (4xx) with a
message on the page and nothing changed. Nothing is cut, nothing is coerced.

Values: any unicode text (control characters included), texts around the column's
length, dates from year 1 to 9999 and written in other shapes (week dates, no zeros),
numbers beyond the column's range and in other scripts.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cases import notes
from app.cases.handover import services as handover
from app.cases.handover.models import DomainConsent, Referral, Trajectory
from app.cases.models import Case
from app.cases.plan import services as plan
from app.cases.plan.models import Task, TaskTemplate
from app.core.actions import saved_submission
from app.core.settings import TenantSetting
from app.extensions import db
from tests.cases.conftest import csrf_headers
from tests.factories import UserFactory
from tests.form_values import form_values

EXAMPLES = int(os.environ.get("FORM_EXAMPLES", "8"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
TODAY = date.today()
MESSAGE = re.compile(
    r'utrecht-form-field-error-message|role="alert"|data-testid="error|utrecht-alert--warning'
)


@dataclass
class World:
    """One fresh case with one of everything a form edits, and the keys of the create forms."""

    case: Case
    note: Any
    referral: Any
    trajectory: Any
    task: Any
    key: str

    def load(self) -> Case:
        return db.session.get(Case, (self.case.tenant_id, self.case.id))


@dataclass(frozen=True)
class Target:
    form: str
    field: str
    kind: str  # text, date or number
    url: Callable[[World], str]
    base: Callable[[World], dict]
    read: Callable[[World], Any]
    limit: int = 10_000
    admin: bool = False
    # What an empty field saves, when that is not "nothing" (a default).
    when_empty: Any = None

    @property
    def id(self) -> str:
        return f"{self.form}.{self.field}"


def c(w: World) -> str:
    return f"/cases/{w.case.id}"


def details_base(w: World) -> dict:
    case = w.load()
    return {
        "version": case.version,
        "client_version": case.client.version,
        "facility": case.facility or "",
        "address": case.client.address or "",
        "postal_address": "",
        "intended_address": "",
        "detention_start": case.detention_start.isoformat(),
        "expected_release": case.expected_release.isoformat(),
    }


def task_base(w: World) -> dict:
    return {
        "submission_key": w.key,
        "title": "Bellen",
        "domain": "housing",
        "responsible": "aftercare_coordinator",
        "due_date": (TODAY + timedelta(days=3)).isoformat(),
    }


def consent_base(w: World) -> dict:
    return {
        "submission_key": w.key,
        "domain": "income",
        "basis": "consent_given",
        "effective_on": TODAY.isoformat(),
    }


def trajectory_base(w: World) -> dict:
    return {"submission_key": w.key, "start_date": TODAY.isoformat(), "cost_euros": "1500"}


def template_base(w: World) -> dict:
    return {
        "submission_key": w.key,
        "domain": "housing",
        "phase": "in_detention",
        "title": "Huur",
        "responsible": "aftercare_coordinator",
        "anchor": "release",
        "offset_days": "-14",
        "active": "1",
    }


def by_key(model, attribute: str):
    def read(w: World):
        row = saved_submission(model, uuid.UUID(w.key))
        return None if row is None else getattr(row, attribute)

    return read


def stored_setting(key: str):
    """The stored value of a setting (None while the default holds)."""
    return db.session.scalars(
        db.select(TenantSetting.value).where(TenantSetting.key == key)
    ).one_or_none()


TARGETS = [
    *[
        Target(
            "details",
            name,
            "text",
            lambda w: c(w) + "/details",
            details_base,
            (lambda n: lambda w: getattr(w.load().client, n))(name),
            limit,
        )
        for name, limit in (
            ("address", 500),
            ("postal_address", 500),
            ("intended_address", 500),
        )
    ],
    Target(
        "details",
        "facility",
        "text",
        lambda w: c(w) + "/details",
        details_base,
        lambda w: w.load().facility,
        200,
    ),
    Target(
        "details",
        "detention_start",
        "date",
        lambda w: c(w) + "/details",
        details_base,
        lambda w: w.load().detention_start,
    ),
    Target(
        "details",
        "expected_release",
        "date",
        lambda w: c(w) + "/details",
        details_base,
        lambda w: w.load().expected_release,
    ),
    Target(
        "phase",
        "reason",
        "text",
        lambda w: c(w) + "/phase",
        lambda w: {"version": w.load().version, "phase": "closed"},
        lambda w: w.load().closed_reason,
    ),
    Target(
        "release",
        "released_on",
        "date",
        lambda w: c(w) + "/release",
        lambda w: {"version": w.load().version},
        lambda w: w.load().actual_release,
    ),
    *[
        Target(
            "life domain",
            name,
            "text",
            lambda w: f"{c(w)}/domains/{w.load().domain('housing').id}",
            lambda w: {"version": w.load().domain("housing").version, "status": "arranged"},
            (lambda n: lambda w: getattr(w.load().domain("housing"), n))(name),
        )
        for name in ("need", "notes")
    ],
    Target(
        "task", "title", "text", lambda w: c(w) + "/tasks", task_base, by_key(Task, "title"), 200
    ),
    Target(
        "task", "due_date", "date", lambda w: c(w) + "/tasks", task_base, by_key(Task, "due_date")
    ),
    Target(
        "task done",
        "done",
        "flag",
        lambda w: f"{c(w)}/tasks/{w.task.id}/done",
        lambda w: {"version": plan.access_task(w.load(), w.task.id).version},
        lambda w: plan.access_task(w.load(), w.task.id).status,
    ),
    Target(
        "note",
        "body",
        "text",
        lambda w: c(w) + "/notes",
        lambda w: {"submission_key": w.key},
        by_key(notes.Note, "body"),
    ),
    Target(
        "note edit",
        "body",
        "text",
        lambda w: f"{c(w)}/notes/{w.note.id}",
        lambda w: {"version": notes.access_note(w.load(), w.note.id).version},
        lambda w: notes.access_note(w.load(), w.note.id).body,
    ),
    Target(
        "consent",
        "note",
        "text",
        lambda w: c(w) + "/consents",
        consent_base,
        by_key(DomainConsent, "note"),
    ),
    Target(
        "consent",
        "effective_on",
        "date",
        lambda w: c(w) + "/consents",
        consent_base,
        by_key(DomainConsent, "effective_on"),
    ),
    Target(
        "referral",
        "request",
        "text",
        lambda w: c(w) + "/referrals",
        lambda w: {"submission_key": w.key, "domain": "housing", "partner": "supported_housing"},
        by_key(Referral, "request"),
    ),
    Target(
        "referral outcome",
        "reason",
        "text",
        lambda w: f"{c(w)}/referrals/{w.referral.id}",
        lambda w: {
            "version": handover.access_referral(w.load(), w.referral.id).version,
            "status": "rejected",
        },
        lambda w: handover.access_referral(w.load(), w.referral.id).rejection_reason,
    ),
    Target(
        "referral outcome",
        "outcome",
        "text",
        lambda w: f"{c(w)}/referrals/{w.referral.id}",
        lambda w: {
            "version": handover.access_referral(w.load(), w.referral.id).version,
            "status": "accepted",
        },
        lambda w: handover.access_referral(w.load(), w.referral.id).outcome,
    ),
    Target(
        "trajectory",
        "cost_euros",
        "number",
        lambda w: c(w) + "/trajectories",
        trajectory_base,
        lambda w: (lambda cents: None if cents is None else cents // 100)(
            by_key(Trajectory, "cost_cents")(w)
        ),
        when_empty=1500,  # the municipality's default cost
    ),
    Target(
        "trajectory",
        "end_date",
        "date",
        lambda w: c(w) + "/trajectories",
        trajectory_base,
        by_key(Trajectory, "end_date"),
    ),
    Target(
        "trajectory update",
        "end_date",
        "date",
        lambda w: f"{c(w)}/trajectories/{w.trajectory.id}",
        lambda w: {
            "version": handover.access_trajectory(w.load(), w.trajectory.id).version,
            "status": "completed",
        },
        lambda w: handover.access_trajectory(w.load(), w.trajectory.id).end_date,
    ),
    Target(
        "task template",
        "title",
        "text",
        lambda w: "/cases/admin/templates",
        template_base,
        by_key(TaskTemplate, "title"),
        200,
        admin=True,
    ),
    Target(
        "task template",
        "description",
        "text",
        lambda w: "/cases/admin/templates",
        template_base,
        by_key(TaskTemplate, "description"),
        admin=True,
    ),
    Target(
        "task template",
        "offset_days",
        "number",
        lambda w: "/cases/admin/templates",
        template_base,
        by_key(TaskTemplate, "offset_days"),
        admin=True,
    ),
    Target(
        "settings",
        "care_director_name",
        "text",
        lambda w: "/cases/admin/settings",
        lambda w: {"trajectory_default_cost_euros": "1500"},
        lambda w: stored_setting("cases.care_director_name"),
        200,
        admin=True,
    ),
    Target(
        "settings",
        "trajectory_default_cost_euros",
        "number",
        lambda w: "/cases/admin/settings",
        lambda w: {"care_director_name": "Regizorg BV"},
        lambda w: stored_setting("cases.trajectory_default_cost_euros"),
        admin=True,
    ),
]


def texts(limit: int) -> st.SearchStrategy[str]:
    around_limit = st.integers(min_value=max(limit - 2, 0), max_value=limit + 2)
    return st.one_of(
        st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40),
        around_limit.map(lambda n: "é" * n),
        around_limit.map(lambda n: " " + "x" * n + " "),
        st.sampled_from(["\x00", "a\x00b", "tab\there", "regel\r\nregel", "  ", "💥 ‮x‬", "x\x7f"]),
    )


DATES = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.dates(min_value=TODAY - timedelta(days=400), max_value=TODAY + timedelta(days=400)).map(
        date.isoformat
    ),
    st.sampled_from(
        [
            "1980-W01-1",
            "2026-1-1",
            "20260101",
            "2026-02-30",
            "0001-01-01",
            "9999-12-31",
            "1899-12-31",
            "1900-01-01",
            "2100-12-31",
            "2101-01-01",
            "",
        ]
    ),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.integers(min_value=-800, max_value=800).map(str),
    st.sampled_from(
        ["30000000", "21474836", "21474837", "1e3", "٣", " 12 ", "+5", "0x10", "1_000", ""]
    ),
)
FLAGS = st.sampled_from(["1", "0", "on", "y", "ja", "true", "", "x", "\x00", "2"])


def values_for(target: Target) -> st.SearchStrategy[str]:
    return {
        "text": texts(target.limit),
        "date": DATES,
        "number": NUMBERS,
        "flag": FLAGS,
    }[target.kind]


def expected(target: Target, sent: str):
    """What the field saves for ``sent``, if it is accepted."""
    text = sent.strip()
    if not text and target.when_empty is not None:
        return target.when_empty
    if target.kind == "date":
        return date.fromisoformat(text) if text else None
    if target.kind == "number":
        return int(text) if text else None
    if target.kind == "flag":
        return "done" if sent in {"1", "on", "y"} else "open"
    return text or None


def make_world(case_factory, in_tenant, tenant, worker) -> World:
    case = case_factory(tenant)
    with in_tenant(tenant):
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        note = notes.add_note(loaded, worker, "Eerste gesprek")
        handover.record_basis(
            loaded, "t", domain="housing", basis="statutory", effective_on=case.detention_start
        )
        referral = handover.refer(
            loaded, "t", domain="housing", partner="supported_housing", request=None
        )
        trajectory = handover.hand_over(loaded, "t", start_date=TODAY)
        task = plan.add_task(
            loaded,
            "t",
            domain="housing",
            title="Woning",
            responsible="aftercare_coordinator",
            due_date=TODAY,
        )
        db.session.commit()
    return World(case, note, referral, trajectory, task, str(uuid.uuid4()))


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_a_saved_value_is_the_value_sent_or_the_form_says_why_not(
    tenants, in_tenant, make_case, worker_client, sign_in, target
):
    tenant = tenants["raalte"]
    with in_tenant(tenant):
        worker = UserFactory()
        admin = UserFactory(role="tenant_admin")
    if target.admin:
        client = sign_in(admin)
        headers = csrf_headers(client, "/cases/admin/settings")
    else:
        client = worker_client(worker)
        headers = {}
    problems: list[str] = []

    @PROPERTY
    @given(sent=values_for(target), htmx=st.booleans())
    def check(sent, htmx):
        world = make_world(make_case, in_tenant, tenant, worker)
        with in_tenant(tenant):
            url, data, before = target.url(world), target.base(world), target.read(world)
        if url.endswith("/admin/settings"):  # the page's other settings and its version
            data = {**form_values(client, url), **data}
        data = {**data, target.field: sent}
        response = client.post(
            url, data=data, headers={**headers, **({"HX-Request": "true"} if htmx else {})}
        )
        with in_tenant(tenant):
            after = target.read(world)
        status = response.status_code
        shown = repr(sent[:30]) + ("…" if len(sent) > 30 else "")
        if status >= 500:
            problems.append(f"{shown}: {status}")
        elif status >= 400:
            if not MESSAGE.search(response.get_data(as_text=True)):
                problems.append(f"{shown}: {status} without a message")
            if after != before:
                problems.append(f"{shown}: refused ({status}) but saved {after!r}")
        elif after != expected(target, sent):
            problems.append(f"{shown}: saved as {after!r}"[:200])

    check()
    assert not problems, f"{target.id}:\n" + "\n".join(problems[:10])
