"""The volunteer programme's forms through their pages, field by field (hypothesis;
``tests.form_pages.hold``): after the POST the stored row holds what the field's text
denotes, or the answer is a 4xx with a Dutch message on the page and nothing changed.
A choice (a status, a phase, a module, an answer, a volunteer, a ticked box) is stored as
sent when it is one of the options, and refused with a message otherwise; none is dropped
in silence. The oracle is the field-level one (tests/form_property.py).

Each submission gets a world of its own where a decision can be taken once (a volunteer,
a circle, a proposal, a signal, an invitation, a case to refer). Who posts is who uses
the page: the circle coordinator, the volunteer in the mentor portal, or the case worker
of Lochem referring a client with consent.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import strategies as st
from sqlalchemy import select

from app.auth.models import User
from app.cases.bsn import generate_bsn
from app.cases.handover import services as handover
from app.cases.models import Case, Client
from app.cases.services import open_case
from app.core.actions import saved_submission
from app.core.forms import column_length
from app.core.permissions import Role
from app.extensions import db
from app.volunteers import forms, ratelimit
from app.volunteers.matching_runs import OPEN
from app.volunteers.models import (
    Circle,
    CircleMember,
    CircleReview,
    CircleSignal,
    MatchingRun,
    MatchingRunStatus,
    Meeting,
    OuterMember,
    ProgrammeReferral,
    TrainingModule,
    Volunteer,
)
from tests import form_property
from tests.csrf import csrf_token
from tests.factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSignalFactory,
    ProgrammeReferralFactory,
    TrainingCompletionFactory,
    UserFactory,
    VolunteerFactory,
)
from tests.form_pages import (
    REFUSE,
    bound_field,
    field_oracle,
    hold,
    htmx_headers,
    multi_oracle,
    multi_values,
)
from tests.volunteers.test_volunteers import APPLY, _application

TODAY = date.today()
RNG = random.Random(29)
NO_ROW = "<no row>"
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")


def _active(**fields):
    return VolunteerFactory(
        status="actief", vog_issued_on=TODAY - timedelta(days=30), vog_profile="45", **fields
    )


@pytest.fixture
def centre(tenants):
    return tenants["deventer"]


@pytest.fixture
def coordinator(centre, in_tenant, sign_in):
    with in_tenant(centre):
        user = UserFactory(role=Role.CIRCLE_COORDINATOR.value, display_name="Cirkel Coördinator")
    client = sign_in(user)
    return client, htmx_headers(client, "/mentor/coordinator/")


# --- the volunteer's file --------------------------------------------------------------------

STATUS = {"status": "gescreend", "reason": "Gesprek gehad, referenties goed"}


@pytest.mark.parametrize("field", sorted(STATUS))
def test_a_status_change_keeps_what_was_sent_or_says_why_not(
    app, centre, in_tenant, coordinator, field
) -> None:
    """From "aangemeld": the same status stores nothing new (and is no refusal), a next
    status is stored with its reason in the history, any other is refused."""
    client, headers = coordinator
    bound = bound_field(app, forms.StatusForm, field)

    def fresh():
        with in_tenant(centre):
            volunteer = VolunteerFactory()
            db.session.commit()
            return volunteer.id

    def row(volunteer_id):
        with in_tenant(centre):
            found = db.session.get(Volunteer, (centre.id, volunteer_id))
            history = [(h.to_status, h.reason) for h in found.history]
            return found.status, found.version, history

    def saved(volunteer_id):
        status, _version, history = row(volunteer_id)
        if field == "status":
            return status
        return history[0][1] if len(history) == 1 else NO_ROW

    hold(
        field,
        form_property.values_for(bound),
        STATUS[field],
        fresh=fresh,
        post=lambda volunteer_id, sent, htmx: client.post(
            f"/mentor/coordinator/volunteers/{volunteer_id}/status",
            data={**STATUS, field: sent, "version": "1"},
            headers=headers(htmx),
        ),
        state=row,
        saved=saved,
        want=field_oracle(bound, when_empty=""),
    )


def test_a_reason_with_the_current_status_is_refused_not_dropped(
    app, centre, in_tenant, coordinator
) -> None:
    """The form opens on the current status: a reason sent with it is refused with a
    message (nothing to record it with), not dropped behind a "saved"."""
    client, headers = coordinator
    with in_tenant(centre):
        volunteer = VolunteerFactory()
        db.session.commit()
    path = f"/mentor/coordinator/volunteers/{volunteer.id}/status"
    data = {"status": "aangemeld", "reason": "Gesprek gehad", "version": "1"}
    refused = client.post(path, data=data, headers=headers(False))
    assert refused.status_code == 422
    assert "heeft deze status al" in refused.get_data(as_text=True)
    # Without a reason the same status is no change, and no refusal either.
    assert client.post(path, data={**data, "reason": ""}, headers=headers(False)).status_code == 302
    with in_tenant(centre):
        found = db.session.get(Volunteer, (centre.id, volunteer.id))
        assert (found.status, found.version, found.history) == ("aangemeld", 1, [])


def test_the_longest_names_are_activated_whole(
    app, tenants, centre, in_tenant, coordinator, monkeypatch
) -> None:
    """Activation invites the volunteer to the portal as "first last" (the account's name,
    users.display_name): the application refuses a pair of names that would not fit it,
    with a message, and the longest pair it takes is activated and kept whole."""
    assert db.metadata.tables["users"].c.display_name.type.length == forms.ACCOUNT_NAME_MAX
    monkeypatch.setitem(app.config, "VOLUNTEER_APPLICATIONS_PER_HOUR", 10_000)
    first = "A" * column_length(Volunteer, "first_name")
    last = "B" * (forms.ACCOUNT_NAME_MAX - 1 - len(first))
    public = app.test_client()
    token = csrf_token(public, APPLY)
    with app.test_request_context():
        ratelimit.reset()
    too_long = public.post(
        APPLY,
        data={**_application(app, first_name=first, last_name=last + "B"), "csrf_token": token},
    )
    assert too_long.status_code == 422
    assert "hoogstens 199 tekens" in too_long.get_data(as_text=True)
    key = uuid.uuid4()
    taken = public.post(
        APPLY,
        data={
            **_application(app, first_name=first, last_name=last, submission_key=str(key)),
            "csrf_token": token,
        },
    )
    assert taken.status_code == 302, taken.status_code
    with in_tenant(centre):
        volunteer = saved_submission(Volunteer, key)
        volunteer.status = "getraind"
        volunteer.vog_issued_on = TODAY - timedelta(days=30)
        volunteer.vog_profile = "45"
        for module in TrainingModule:
            TrainingCompletionFactory(volunteer=volunteer, module=module.value)
        db.session.commit()
    client, headers = coordinator
    response = client.post(
        f"/mentor/coordinator/volunteers/{volunteer.id}/status",
        data={"status": "actief", "reason": "", "version": str(volunteer.version)},
        headers=headers(False),
    )
    assert response.status_code == 302, response.status_code
    with in_tenant(centre):
        found = db.session.get(Volunteer, (centre.id, volunteer.id))
        account = db.session.get(User, (centre.id, found.user_id)) if found.user_id else None
    assert found.status == "actief"
    assert account is not None and account.display_name == f"{first} {last}"


TRAINING = {"module": "introduction", "completed_on": (TODAY - timedelta(days=10)).isoformat()}


@pytest.mark.parametrize("field", sorted(TRAINING))
def test_a_training_keeps_what_was_sent_or_says_why_not(
    app, centre, in_tenant, coordinator, field
) -> None:
    client, headers = coordinator
    bound = bound_field(app, forms.TrainingForm, field)

    def fresh():
        with in_tenant(centre):
            volunteer = VolunteerFactory()
            db.session.commit()
            return volunteer.id

    def trainings(volunteer_id):
        with in_tenant(centre):
            found = db.session.get(Volunteer, (centre.id, volunteer_id))
            return sorted((t.module, t.completed_on) for t in found.trainings)

    def saved(volunteer_id):
        found = trainings(volunteer_id)
        if len(found) != 1:
            return NO_ROW
        return dict(zip(("module", "completed_on"), found[0], strict=True))[field]

    hold(
        field,
        form_property.values_for(bound),
        TRAINING[field],
        fresh=fresh,
        post=lambda volunteer_id, sent, htmx: client.post(
            f"/mentor/coordinator/volunteers/{volunteer_id}/training",
            data={**TRAINING, field: sent},
            headers=headers(htmx),
        ),
        state=trainings,
        saved=saved,
        want=field_oracle(bound),
    )


# --- the referral (a case worker of Lochem) --------------------------------------------------

REFERRAL = {
    "carry_first_name": "1",
    "carry_municipality": "",
    "languages": "nl",
    "availability": "tue:evening",
    "offence_kinds": "",
    "needs": "Iemand om mee te praten over werk.",
    "places_to_avoid": "",
    "postcode_area": "7241",
}
# field -> how the programme's copy keeps it.
REFERRAL_COPY = {
    "carry_first_name": lambda copy: copy.first_name is not None,
    "carry_municipality": lambda copy: copy.municipality is not None,
    "languages": lambda copy: copy.languages,
    "availability": lambda copy: copy.availability,
    "offence_kinds": lambda copy: copy.offence_kinds,
    "needs": lambda copy: copy.needs,
    "places_to_avoid": lambda copy: copy.places_to_avoid,
    "postcode_area": lambda copy: copy.postcode_area,
}
MULTI = {
    "languages": forms.LANGUAGES,
    "availability": forms.SLOTS,
    "offence_kinds": tuple(str(v) for v in forms.OffenceKind),
}


@pytest.mark.parametrize("field", sorted(REFERRAL))
def test_a_referral_carries_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, sign_in, monkeypatch, field
) -> None:
    """Each submission refers a new client of Lochem with consent for volunteers; the
    centre's copy is read back."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    lochem, centre = tenants["lochem"], tenants["deventer"]
    with in_tenant(lochem):
        worker = UserFactory(role=Role.CASE_WORKER.value, display_name="Lotte Lochem")

    def fresh(given_name="Karim"):
        with app.test_request_context(), in_tenant(lochem):
            client = Client(
                given_name=given_name,
                family_name="Lochem",
                date_of_birth=date(1988, 4, 1),
                bsn=generate_bsn(RNG),
            )
            case = open_case(
                client,
                actor="test",
                facility="PI Zwolle",
                detention_start=TODAY - timedelta(days=90),
                expected_release=TODAY + timedelta(days=20),
            )
            db.session.flush()
            case.case_worker_id = worker.id
            loaded = db.session.get(Case, (lochem.id, case.id))
            handover.record_basis(
                loaded, "t", domain="income", basis="consent_given", effective_on=TODAY
            )
            db.session.commit()
            return case.id

    client = sign_in(worker)
    headers = htmx_headers(client, f"/cases/{fresh()}")
    if field in MULTI:
        values = multi_values(list(MULTI[field]))
        want = multi_oracle(lambda _w, allowed=set(MULTI[field]): allowed)
    else:
        bound = bound_field(app, forms.ReferralForm, field)
        values = form_property.values_for(bound)
        empty = "" if field in ("needs", "places_to_avoid") else None
        want = field_oracle(bound, when_empty=empty)

    def copy(case_id):
        with in_tenant(centre):
            found = db.session.scalars(
                select(ProgrammeReferral).where(ProgrammeReferral.source_case_id == case_id)
            ).one_or_none()
            return NO_ROW if found is None else REFERRAL_COPY[field](found)

    if field == "carry_first_name":
        # The longest first name a file holds is carried whole, never cut or refused.
        longest = "K" * column_length(Client, "given_name")
        case_id = fresh(longest)
        response = client.post(
            f"/mentor/referrals/{case_id}", data=REFERRAL, headers=headers(False)
        )
        assert response.status_code == 302, response.status_code
        with in_tenant(centre):
            carried = db.session.scalars(
                select(ProgrammeReferral.first_name).where(
                    ProgrammeReferral.source_case_id == case_id
                )
            ).one()
        assert carried == longest

    hold(
        field,
        values,
        REFERRAL[field],
        fresh=fresh,
        post=lambda case_id, sent, htmx: client.post(
            f"/mentor/referrals/{case_id}",
            data={**REFERRAL, field: sent},
            headers=headers(htmx),
        ),
        state=copy,
        saved=copy,
        want=want,
    )


# --- circles (the coordinator) ---------------------------------------------------------------


def _members(in_tenant, centre, circle_id) -> list:
    with in_tenant(centre):
        return sorted(
            str(m.volunteer_id)
            for m in db.session.scalars(
                select(CircleMember).where(
                    CircleMember.circle_id == circle_id, CircleMember.left_on.is_(None)
                )
            )
        )


def _uuid_values(known: list[str]) -> st.SearchStrategy[str]:
    """Ids of volunteers, written as a crafted request could (other cases, digits of
    another script), unknown ids, and anything."""
    return st.one_of(
        st.sampled_from(known),
        st.sampled_from(known).map(str.upper),
        st.sampled_from(known).map(lambda t: t.replace("-", "")),
        st.sampled_from(known).map(
            lambda t: "".join("０１２３４５６７８９"[int(c)] if c.isdigit() else c for c in t)
        ),
        st.uuids().map(str),
        multi_values(known),
    )


def _crafted(volunteer) -> tuple[str, ...]:
    """A volunteer's id in other digits, upper case, without dashes; an unknown id."""
    text = str(volunteer.id)
    return (
        "".join("０１２３４５６７８９"[int(c)] if c.isdigit() else c for c in text),
        text.upper(),
        text.replace("-", ""),
        str(uuid.uuid4()),
        "",
    )


def test_a_member_is_the_volunteer_sent_or_the_page_says_why_not(
    app, centre, in_tenant, coordinator
) -> None:
    """The volunteer chosen from the list joins; an id written otherwise (digits of another
    script) is refused next to the list; an id of no volunteer of the programme answers
    the Dutch 404 page, as another municipality's volunteer does (a missing row and a
    foreign one look alike)."""
    client, headers = coordinator
    with in_tenant(centre):
        volunteer = _active()
        db.session.commit()
    bound = bound_field(app, forms.MemberForm, "volunteer_id")

    def fresh():
        with in_tenant(centre):
            circle = CircleFactory()
            db.session.commit()
            return circle.id

    def want(_world, sent: str):
        value = form_property.expected(bound, sent)
        if value is REFUSE or value != volunteer.id:
            return REFUSE
        return [str(volunteer.id)]

    hold(
        "volunteer_id",
        _uuid_values([str(volunteer.id)]),
        str(volunteer.id),
        fresh=fresh,
        post=lambda circle_id, sent, htmx: client.post(
            f"/mentor/coordinator/circles/{circle_id}/members",
            data={"volunteer_id": sent},
            headers=headers(htmx),
        ),
        state=lambda circle_id: _members(in_tenant, centre, circle_id),
        saved=lambda circle_id: _members(in_tenant, centre, circle_id),
        want=want,
        also=_crafted(volunteer),
    )


PHASE = {"phase": "intensief", "covenant_signed_on": TODAY.isoformat()}


@pytest.mark.parametrize("field", sorted(PHASE))
def test_a_phase_keeps_what_was_sent_or_says_why_not(
    app, centre, in_tenant, coordinator, field
) -> None:
    """A circle of three active volunteers, forming, without a covenant: it may start."""
    client, headers = coordinator
    with in_tenant(centre):
        volunteers = [_active(first_name=f"Lid{n}") for n in range(3)]
        db.session.commit()
    bound = bound_field(app, forms.PhaseForm, field)

    def fresh():
        with in_tenant(centre):
            circle = CircleFactory()
            for volunteer in volunteers:
                CircleMemberFactory(circle=circle, volunteer=volunteer)
            db.session.commit()
            return circle.id

    def row(circle_id):
        with in_tenant(centre):
            found = db.session.get(Circle, (centre.id, circle_id))
            return found.phase, found.covenant_signed_on, found.version

    hold(
        field,
        form_property.values_for(bound),
        PHASE[field],
        fresh=fresh,
        post=lambda circle_id, sent, htmx: client.post(
            f"/mentor/coordinator/circles/{circle_id}/phase",
            data={**PHASE, field: sent, "version": "1"},
            headers=headers(htmx),
        ),
        state=row,
        saved=lambda circle_id: dict(zip(PHASE, row(circle_id)[:2], strict=True))[field],
        want=field_oracle(bound),
    )


REVIEW = {"kind": "quarterly", "held_on": TODAY.isoformat(), "summary": "Goed kwartaal."}
PROFESSIONAL = {"name": "Petra", "organisation": "Reclassering Nederland", "role": "Toezicht"}


def _one(model, attributes):
    def read(in_tenant, centre, circle_id):
        with in_tenant(centre):
            rows = db.session.scalars(select(model).where(model.circle_id == circle_id)).all()
            return [tuple(getattr(r, a) for a in attributes) for r in rows]

    return read


@pytest.mark.parametrize(
    ("form", "path", "base", "model", "field"),
    [
        *[(forms.ReviewForm, "reviews", REVIEW, CircleReview, f) for f in sorted(REVIEW)],
        *[
            (forms.ProfessionalForm, "professionals", PROFESSIONAL, OuterMember, f)
            for f in sorted(PROFESSIONAL)
        ],
    ],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", None),
)
def test_a_review_or_professional_keeps_what_was_sent_or_says_why_not(
    app, centre, in_tenant, coordinator, form, path, base, model, field
) -> None:
    """Added to a circle in its intensive phase (a closing evaluation is refused there)."""
    client, headers = coordinator
    bound = bound_field(app, form, field)
    read = _one(model, list(base))

    def fresh():
        with in_tenant(centre):
            circle = CircleFactory(phase="intensief", covenant_signed_on=TODAY)
            db.session.commit()
            return circle.id

    def state(circle_id):
        with in_tenant(centre):
            phase = db.session.get(Circle, (centre.id, circle_id)).phase
        return phase, read(in_tenant, centre, circle_id)

    def saved(circle_id):
        rows = read(in_tenant, centre, circle_id)
        return dict(zip(base, rows[0], strict=True))[field] if len(rows) == 1 else NO_ROW

    hold(
        field,
        form_property.values_for(bound),
        base[field],
        fresh=fresh,
        post=lambda circle_id, sent, htmx: client.post(
            f"/mentor/coordinator/circles/{circle_id}/{path}",
            data={**base, field: sent},
            headers=headers(htmx),
        ),
        state=state,
        saved=saved,
        want=field_oracle(bound),
    )


# --- the matching's proposals ------------------------------------------------------------------


def _run(referral, volunteers) -> MatchingRun:
    run = MatchingRun(
        requested_by="Cirkel Coördinator",
        status=MatchingRunStatus.DONE.value,
        result={
            "optimal": True,
            "min_size": 3,
            "max_km": 25.0,
            "proposals": [
                {
                    "referral_id": str(referral.id),
                    "first_name": referral.first_name,
                    "approximate": False,
                    "score": 10,
                    "state": OPEN,
                    "volunteers": [
                        {"id": str(v.id), "first_name": v.first_name, "score": 1, "reasons": []}
                        for v in volunteers
                    ],
                }
            ],
            "unmatched": [],
        },
    )
    db.session.add(run)
    return run


def test_an_accepted_proposal_forms_the_circle_sent_or_says_why_not(
    app, centre, in_tenant, coordinator
) -> None:
    """Two volunteers of the proposal stay ticked; the third is what is sent: an active
    volunteer joins them in the new circle, anything else (a repeated one, a text that is
    not an id as the page writes it: "urn:uuid:…", braces, digits of another script) is
    refused with a message and no circle is formed; an id of no volunteer answers the
    Dutch 404 page (see the member form)."""
    client, headers = coordinator
    with in_tenant(centre):
        a, b, c, d = (_active(first_name=f"Lid{n}") for n in range(4))
        db.session.commit()
    ids = {v.id for v in (c, d)}

    def fresh():
        with in_tenant(centre):
            referral = ProgrammeReferralFactory()
            run = _run(referral, [a, b, c])
            db.session.commit()
            return run.id, referral.id

    def circle_of(world):
        with in_tenant(centre):
            circle = db.session.scalars(
                select(Circle).where(Circle.referral_id == world[1])
            ).one_or_none()
        return NO_ROW if circle is None else _members(in_tenant, centre, circle.id)

    def want(_world, sent: str):
        text = sent.strip()
        if not UUID_TEXT.fullmatch(text):
            return REFUSE
        chosen = uuid.UUID(text)
        return sorted(str(v) for v in (a.id, b.id, chosen)) if chosen in ids else REFUSE

    hold(
        "volunteer_ids",
        _uuid_values([str(v.id) for v in (a, c, d)]),
        str(c.id),
        fresh=fresh,
        post=lambda world, sent, htmx: client.post(
            f"/mentor/coordinator/matching/{world[0]}/{world[1]}/accept",
            data={"volunteer_ids": [str(a.id), str(b.id), sent], "version": "1"},
            headers=headers(htmx),
        ),
        state=circle_of,
        saved=circle_of,
        want=want,
        also=(*_crafted(c), str(a.id), "urn:uuid:" + str(d.id), "{" + str(d.id) + "}"),
    )


def test_a_rejection_needs_the_version_the_page_showed(app, centre, in_tenant, coordinator):
    """The decision's only input is the run's version: the one shown rejects the proposal,
    any other is refused with a message and the proposal stays open."""
    client, headers = coordinator
    bound = bound_field(app, forms.DecideForm, "version")
    with in_tenant(centre):
        volunteers = [_active(first_name=f"Lid{n}") for n in range(3)]
        db.session.commit()

    def fresh():
        with in_tenant(centre):
            referral = ProgrammeReferralFactory()
            run = _run(referral, volunteers)
            db.session.commit()
            return run.id, referral.id

    def state(world):
        with in_tenant(centre):
            run = db.session.get(MatchingRun, (centre.id, world[0]))
            return run.version, run.result["proposals"][0]["state"]

    def want(_world, sent: str):
        return "rejected" if form_property.expected(bound, sent) == 1 else REFUSE

    hold(
        "version",
        form_property.values_for(bound),
        "1",
        fresh=fresh,
        post=lambda world, sent, htmx: client.post(
            f"/mentor/coordinator/matching/{world[0]}/{world[1]}/reject",
            data={"version": sent},
            headers=headers(htmx),
        ),
        state=state,
        saved=lambda world: state(world)[1],
        want=want,
    )


# --- signals (the coordinator) ---------------------------------------------------------------


def test_a_handled_signal_is_passed_on_as_ticked_or_the_page_says_why_not(
    app, centre, in_tenant, coordinator
) -> None:
    client, headers = coordinator
    bound = bound_field(app, forms.HandleSignalForm, "forward")

    def fresh():
        with in_tenant(centre):
            signal = CircleSignalFactory(level="zorg")
            db.session.commit()
            return signal.id

    def state(signal_id):
        with in_tenant(centre):
            signal = db.session.get(CircleSignal, (centre.id, signal_id))
            return signal.handled_at, signal.forwarded_at

    def saved(signal_id):
        handled, forwarded = state(signal_id)
        return NO_ROW if handled is None else forwarded is not None

    hold(
        "forward",
        form_property.values_for(bound),
        "1",
        fresh=fresh,
        post=lambda signal_id, sent, htmx: client.post(
            f"/mentor/coordinator/signals/{signal_id}",
            data={"forward": sent},
            headers=headers(htmx),
        ),
        state=state,
        saved=saved,
        want=field_oracle(bound),
    )


# --- the mentor portal (the volunteer) ---------------------------------------------------------


@pytest.fixture
def mentor(centre, in_tenant, sign_in):
    """A volunteer with an account, in a circle with Otto."""
    with in_tenant(centre):
        user = UserFactory(role=Role.VOLUNTEER.value, display_name="Vera Vrijwilliger")
        me = VolunteerFactory(first_name="Vera", user_id=user.id, status="actief")
        other = VolunteerFactory(first_name="Otto", status="actief")
        circle = CircleFactory()
        CircleMemberFactory(circle=circle, volunteer=me, accepted_on=TODAY)
        CircleMemberFactory(circle=circle, volunteer=other)
        db.session.commit()
    client = sign_in(user)
    return client, htmx_headers(client, "/mentor/"), me, circle


def test_an_invitation_is_answered_as_sent_or_the_page_says_why_not(
    app, centre, in_tenant, mentor
) -> None:
    client, headers, me, _circle = mentor
    bound = bound_field(app, forms.InvitationForm, "answer")

    def fresh():
        with in_tenant(centre):
            circle = CircleFactory()
            member = CircleMemberFactory(circle=circle, volunteer=me)
            db.session.commit()
            return circle.id, member.id

    def answer(world):
        with in_tenant(centre):
            member = db.session.get(CircleMember, (centre.id, world[1]))
            if member.accepted_on is not None:
                return "accept"
            return "decline" if member.left_on is not None else NO_ROW

    hold(
        "answer",
        form_property.values_for(bound),
        "accept",
        fresh=fresh,
        post=lambda world, sent, htmx: client.post(
            f"/mentor/circles/{world[0]}/invitation", data={"answer": sent}, headers=headers(htmx)
        ),
        state=answer,
        saved=answer,
        want=field_oracle(bound),
    )


MEETING = {
    "held_on": (TODAY - timedelta(days=1)).isoformat(),
    "duration_minutes": "90",
    "present": "Otto",
    "minutes": "Gesproken over werk en de week.",
}
SIGNAL = {"level": "zorg", "body": "Hij had het over terugvallen."}


@pytest.mark.parametrize(
    ("form", "path", "base", "model", "field"),
    [
        *[(forms.MeetingForm, "meetings", MEETING, Meeting, f) for f in sorted(MEETING)],
        *[(forms.SignalForm, "signals", SIGNAL, CircleSignal, f) for f in sorted(SIGNAL)],
    ],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", None),
)
def test_a_meeting_or_signal_keeps_what_was_sent_or_says_why_not(
    app, centre, in_tenant, mentor, form, path, base, model, field
) -> None:
    """Who was there: the first names of the circle's members as ticked, or a refusal."""
    client, headers, _me, circle = mentor
    if field == "present":
        values = multi_values(["Vera", "Otto", "Indringer"])
        want = multi_oracle(lambda _w: {"Vera", "Otto"})
    else:
        bound = bound_field(app, form, field)
        values = form_property.values_for(bound)
        want = field_oracle(bound, when_empty="" if field == "minutes" else None)

    def read(key):
        with in_tenant(centre):
            row = saved_submission(model, key)
            return NO_ROW if row is None else getattr(row, field)

    hold(
        field,
        values,
        base[field],
        fresh=uuid.uuid4,
        post=lambda key, sent, htmx: client.post(
            f"/mentor/circles/{circle.id}/{path}",
            data={**base, field: sent, "submission_key": str(key)},
            headers=headers(htmx),
        ),
        state=read,
        saved=read,
        want=want,
        also=("Indringer",) if field == "present" else (),
    )
