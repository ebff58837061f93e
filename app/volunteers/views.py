"""The volunteer programme's pages: the public application form and the circle
coordinator's views (pipeline, certificates, one volunteer).

Every page works in the centre municipality's tenant: the coordinator's session is bound
to it by their sign-in; the anonymous application form binds its own session to it.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import date

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from app.cases.api import access_case, case_page_url
from app.core.actions import act
from app.core.context import tenant_app_context
from app.core.permissions import Permission, public, requires
from app.core.rendering import render
from app.jobs import enqueue
from app.tenants.api import all_tenants
from app.volunteers import (
    circles,
    forms,
    jobs,
    matching_runs,
    overview,
    portal,
    ratelimit,
    referrals,
    services,
)
from app.volunteers.models import SignalLevel, TrainingModule, VolunteerStatus

bp = Blueprint("volunteers", __name__, url_prefix="/mentor")
LEVEL_LABELS = {
    SignalLevel.INFORMATION.value: _("Information"),
    SignalLevel.CONCERN.value: _("Concern"),
    SignalLevel.ACUTE.value: _("Acute"),
}
log = logging.getLogger("nazorg.volunteers")

# A person needs a few seconds to fill in the form; a token older than a day is stale.
MIN_FILL_SECONDS = 3
MAX_FILL_SECONDS = 24 * 3600
FORM_SALT = "volunteer-application"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FORM_SALT)


def form_token(issued_at: float | None = None) -> str:
    """The signed moment the form was handed out (the form's hidden ``started``)."""
    return _signer().dumps({"t": int(issued_at if issued_at is not None else time.time())})


def _token_age(token: str | None) -> float | None:
    try:
        issued = _signer().loads(token or "")["t"]
    except (BadSignature, KeyError, TypeError):
        return None
    return time.time() - issued if isinstance(issued, int) else None


def _centre_id() -> int:
    centre = next((tenant for tenant in all_tenants() if tenant.is_centre), None)
    if centre is None:
        abort(404)
    return centre.id


def _application_page(form, status: int = 200, error=None):
    return render(
        "volunteers/apply.html",
        form=form,
        errors=form.error_dict(),
        error=error,
        started=form_token(),
        submission_key=str(uuid.uuid4()),
        slots=forms.SLOTS,
        slot_label=services.slot_label,
        offence_label=services.offence_label,
        gender_choices=services.gender_choices(),
        status=status,
    )


@bp.get("/apply")
@public
def apply_form():
    return _application_page(forms.ApplicationForm(formdata=None))


@bp.post("/apply")
@public
def apply_submit():
    form = forms.ApplicationForm()
    limit = current_app.config["VOLUNTEER_APPLICATIONS_PER_HOUR"]
    if not ratelimit.hit(request.remote_addr or "unknown", limit):
        log.warning("volunteer application refused: rate limit for %s", request.remote_addr)
        response = _application_page(
            form, 429, _("Too many applications from this address. Try again in an hour.")
        )
        response.headers["Retry-After"] = "3600"
        return response
    age = _token_age(request.form.get("started"))
    if age is None or not MIN_FILL_SECONDS <= age <= MAX_FILL_SECONDS:
        log.warning("volunteer application refused: form token age %s", age)
        return _application_page(
            form,
            422,
            _("This form has expired or was sent too quickly. Check it and send it again."),
        )
    if not form.validate():
        return _application_page(form, 422)
    if form.website.data:
        # A bot filled the field no person sees: answer as for a person, keep nothing.
        log.warning("volunteer application dropped: honeypot filled from %s", request.remote_addr)
        return redirect(url_for("volunteers.apply_thanks"))
    application = services.Application(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        phone=form.phone.data,
        postcode=form.postcode.data,
        languages=form.languages.data,
        availability=form.availability.data,
        capacity=form.capacity.data,
        excluded_offences=form.excluded_offences.data,
        gender_preference=form.gender_preference.data,
        skills=form.skills.data or "",
        motivation=form.motivation.data or "",
    )
    # The application is a row of the centre, written in a session of its own: whoever
    # posts (nobody, or staff signed in at another municipality) never switches theirs.
    with tenant_app_context(_centre_id()):
        return act(
            lambda: services.apply(application, form.submission_key.data),
            done=lambda _volunteer: redirect(url_for("volunteers.apply_thanks")),
            refused=lambda error, status: _application_page(form, status, error.message),
        )


@bp.get("/apply/thanks")
@public
def apply_thanks():
    return render("volunteers/thanks.html")


# --- the circle coordinator ------------------------------------------------------------------


@bp.get("/coordinator/")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_pipeline():
    return render(
        "volunteers/pipeline.html",
        pipeline=services.pipeline(),
        labels=services.STATUS_LABELS,
    )


@bp.get("/coordinator/certificates")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_certificates():
    today = date.today()
    return render(
        "volunteers/certificates.html",
        expiring=services.expiring_certificates(today, 60),
        today=today,
    )


def _volunteer_page(volunteer, status: int = 200, errors=None, which=None, **extra):
    today = date.today()
    return render(
        "volunteers/volunteer.html",
        volunteer=volunteer,
        status_labels=services.STATUS_LABELS,
        module_labels=services.MODULE_LABELS,
        modules=list(TrainingModule),
        statuses=list(VolunteerStatus),
        vog_valid=services.vog_valid(volunteer, today),
        vog_expires=services.vog_expires_on(volunteer),
        refusal=services.activation_refusal(volunteer, today),
        slot_label=services.slot_label,
        offence_label=services.offence_label,
        gender_label=lambda kind: services.GENDER_LABELS[services.GenderPreference(kind)],
        errors=errors or {},
        which=which,
        status=status,
        **extra,
    )


@bp.get("/coordinator/volunteers/<uuid:volunteer_id>")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_volunteer(volunteer_id: uuid.UUID):
    return _volunteer_page(services.access_volunteer(current_user, volunteer_id))


def _save(volunteer_id, form, which, work):
    volunteer = services.access_volunteer(current_user, volunteer_id)
    if not form.validate():
        return _volunteer_page(volunteer, 422, form.error_dict(), which)

    def refused(error, status):
        fresh = services.access_volunteer(current_user, volunteer_id)
        return _volunteer_page(fresh, status, {error.field or "form": error.message}, which)

    return act(
        lambda: work(volunteer),
        done=lambda _v: redirect(
            url_for("volunteers.coordinator_volunteer", volunteer_id=volunteer_id)
        ),
        refused=refused,
        message=_("Saved."),
    )


@bp.post("/coordinator/volunteers/<uuid:volunteer_id>/status")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_status(volunteer_id: uuid.UUID):
    form = forms.StatusForm()
    return _save(
        volunteer_id,
        form,
        "status",
        lambda volunteer: services.change_status(
            volunteer,
            form.status.data,
            current_user.display_name,
            today=date.today(),
            reason=form.reason.data or "",
            version=form.version.data,
        ),
    )


@bp.post("/coordinator/volunteers/<uuid:volunteer_id>/certificate")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_certificate(volunteer_id: uuid.UUID):
    form = forms.CertificateForm()
    return _save(
        volunteer_id,
        form,
        "certificate",
        lambda volunteer: services.record_vog(
            volunteer,
            form.issued_on.data,
            form.profile.data,
            today=date.today(),
            version=form.version.data,
        ),
    )


@bp.post("/coordinator/volunteers/<uuid:volunteer_id>/training")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_training(volunteer_id: uuid.UUID):
    form = forms.TrainingForm()
    return _save(
        volunteer_id,
        form,
        "training",
        lambda volunteer: services.record_training(
            volunteer, form.module.data, form.completed_on.data, today=date.today()
        ),
    )


# --- the referral to the circle programme (a case worker, on the case page) -----------------


def _referral_page(case_id, form, errors, status):
    """The referral form again, with what was sent and why it was refused."""
    return render(
        "volunteers/refer.html",
        case_id=case_id,
        form=form,
        errors=errors,
        slots=forms.SLOTS,
        slot_label=services.slot_label,
        languages=forms.LANGUAGES,
        circle_offence_kinds=services.OFFENCE_KINDS,
        circle_offence_label=services.offence_label,
        status=status,
    )


@bp.post("/referrals/<uuid:case_id>")
@requires(Permission.CASE_WRITE)
def refer_to_programme(case_id: uuid.UUID):
    case = access_case(current_user, case_id)
    form = forms.ReferralForm()
    back = redirect(case_page_url(case_id, "#circle-referral"))
    if not form.validate():
        return _referral_page(case_id, form, form.error_dict(), 422)
    choice = referrals.ReferralChoice(
        first_name=form.carry_first_name.data,
        municipality=form.carry_municipality.data,
        languages=form.languages.data,
        availability=form.availability.data,
        needs=form.needs.data or "",
        places_to_avoid=form.places_to_avoid.data or "",
        postcode_area=form.postcode_area.data or None,
        offence_kinds=tuple(form.offence_kinds.data),
    )

    def refused(error, status):
        return _referral_page(case_id, form, {error.field or "form": error.message}, status)

    return act(
        lambda: referrals.refer(case, current_user, choice),
        done=lambda _created: back,
        refused=refused,
        message=_("The client was referred to the circle programme."),
    )


def _waiting_page(status: int = 200, errors=None, which=None):
    run = matching_runs.latest_run()
    return render(
        "volunteers/waiting.html",
        waiting=referrals.waiting_list(),
        slot_label=services.slot_label,
        run=run,
        explanation=matching_runs.explanation,
        blocker=matching_runs.blocker,
        candidates=circles.active_volunteers(date.today()),
        errors=errors or {},
        which=which,
        status=status,
    )


@bp.get("/coordinator/waiting")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_waiting():
    return _waiting_page()


@bp.post("/coordinator/waiting/matching")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_run_matching():
    form = forms.RunMatchingForm()
    if not form.validate():
        return _waiting_page(422, form.error_dict())
    return act(
        lambda: matching_runs.request_run(
            current_user, lambda **kw: enqueue(jobs.run_matching, **kw)
        ),
        done=lambda _run: redirect(url_for("volunteers.coordinator_waiting") + "#matching"),
        refused=lambda error, status: _waiting_page(status, {"form": error.message}),
        message=_("The matching runs; its proposals appear here."),
    )


def _decide(run_id, programme_referral_id, form, work):
    run = matching_runs.access_run(run_id)
    which = str(programme_referral_id)
    if not form.validate():
        return _waiting_page(422, form.error_dict(), which)
    return act(
        lambda: work(run),
        done=lambda _r: redirect(url_for("volunteers.coordinator_waiting") + "#matching"),
        refused=lambda error, status: _waiting_page(
            status, {error.field or "form": error.message}, which
        ),
        message=_("Saved."),
    )


@bp.post("/coordinator/matching/<uuid:run_id>/<uuid:programme_referral_id>/accept")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_accept_proposal(run_id: uuid.UUID, programme_referral_id: uuid.UUID):
    form = forms.AcceptProposalForm()

    def work(run):
        return matching_runs.accept(
            run,
            programme_referral_id,
            form.volunteer_ids.data,
            current_user,
            today=date.today(),
            version=form.version.data,
        )

    return _decide(run_id, programme_referral_id, form, work)


@bp.post("/coordinator/matching/<uuid:run_id>/<uuid:programme_referral_id>/reject")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_reject_proposal(run_id: uuid.UUID, programme_referral_id: uuid.UUID):
    form = forms.DecideForm()
    return _decide(
        run_id,
        programme_referral_id,
        form,
        lambda run: matching_runs.reject(run, programme_referral_id, version=form.version.data),
    )


def _overview_page(status: int = 200, error=None):
    today = date.today()
    months, hours = overview.hours_per_volunteer(today)
    return render(
        "volunteers/overview.html",
        rows=overview.circle_rows(today),
        months=months,
        hours=hours,
        signals=overview.open_signals(),
        phase_labels=circles.PHASE_LABELS,
        level_labels=LEVEL_LABELS,
        today=today,
        error=error,
        status=status,
    )


@bp.get("/coordinator/overview")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_overview():
    return _overview_page()


@bp.post("/coordinator/signals/<uuid:signal_id>")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_handle_signal(signal_id: uuid.UUID):
    form = forms.HandleSignalForm()
    signal = overview.access_signal(signal_id)
    if not form.validate():
        return _overview_page(422, next(iter(form.error_dict().values()), None))
    return act(
        lambda: overview.handle_signal(
            signal,
            current_user,
            bool(form.forward.data),
            lambda **kw: enqueue(jobs.report_to_referrer, **kw),
        ),
        done=lambda _s: redirect(url_for("volunteers.coordinator_overview") + "#signals"),
        refused=lambda error, status: _overview_page(status, error.message),
        message=_("Saved."),
    )


# --- circles ---------------------------------------------------------------------------------


@bp.post("/coordinator/waiting/<uuid:programme_referral_id>/circle")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_form_circle(programme_referral_id: uuid.UUID):
    referral = circles.access_referral(programme_referral_id)
    return act(
        lambda: circles.form_circle(referral, current_user),
        done=lambda circle: redirect(url_for("volunteers.coordinator_circle", circle_id=circle.id)),
        refused=lambda error, status: (str(error.message), status),
    )


@bp.get("/coordinator/circles/")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_circles():
    return render(
        "volunteers/circles.html", circles=circles.circles(), phase_labels=circles.PHASE_LABELS
    )


def _circle_page(circle, status: int = 200, errors=None, which=None):
    return render(
        "volunteers/circle.html",
        circle=circle,
        inner=circles.inner_circle(circle),
        reviews=circles.reviews(circle),
        next_review=circles.next_review_due(circle, date.today()),
        next_meeting=portal.next_meeting(circle),
        today=date.today(),
        candidates=circles.active_volunteers(date.today()),
        phase_labels=circles.PHASE_LABELS,
        frequency=circles.FREQUENCY_DAYS,
        phases=list(circles.CirclePhase),
        errors=errors or {},
        which=which,
        status=status,
    )


@bp.get("/coordinator/circles/<uuid:circle_id>")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_circle(circle_id: uuid.UUID):
    return _circle_page(circles.access_circle(circle_id))


def _circle_action(circle_id, form, which, work):
    circle = circles.access_circle(circle_id)
    if not form.validate():
        return _circle_page(circle, 422, form.error_dict(), which)

    def refused(error, status):
        return _circle_page(
            circles.access_circle(circle_id), status, {error.field or "form": error.message}, which
        )

    return act(
        lambda: work(circle),
        done=lambda _r: redirect(url_for("volunteers.coordinator_circle", circle_id=circle_id)),
        refused=refused,
        message=_("Saved."),
    )


@bp.post("/coordinator/circles/<uuid:circle_id>/members")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_circle_member(circle_id: uuid.UUID):
    form = forms.MemberForm()

    def work(circle):
        volunteer = services.access_volunteer(current_user, form.volunteer_id.data)
        return circles.add_volunteer(circle, volunteer, date.today())

    return _circle_action(circle_id, form, "members", work)


@bp.post("/coordinator/circles/<uuid:circle_id>/phase")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_circle_phase(circle_id: uuid.UUID):
    form = forms.PhaseForm()

    def work(circle):
        before = circle.phase
        circles.change_phase(
            circle,
            form.phase.data,
            covenant_signed_on=form.covenant_signed_on.data,
            version=form.version.data,
        )
        _report_progress(circle, before)
        return circle

    return _circle_action(circle_id, form, "phase", work)


def _report_progress(circle, before: str) -> None:
    """The circle's progress (a new phase) goes to the referring case worker."""
    if circle.phase != before and circle.referral_id is not None:
        enqueue(
            jobs.report_to_referrer,
            referral_id=str(circle.referral_id),
            kind="progress",
            key=f"phase:{circle.id}:{circle.phase}",
            context={"phase": circle.phase},
        )


@bp.post("/coordinator/circles/<uuid:circle_id>/reviews")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_circle_review(circle_id: uuid.UUID):
    form = forms.ReviewForm()

    def work(circle):
        before = circle.phase
        review = circles.add_review(
            circle, form.kind.data, form.held_on.data, form.summary.data, current_user
        )
        _report_progress(circle, before)
        return review

    return _circle_action(circle_id, form, "reviews", work)


@bp.post("/coordinator/circles/<uuid:circle_id>/professionals")
@requires(Permission.VOLUNTEERS_MANAGE)
def coordinator_circle_professional(circle_id: uuid.UUID):
    form = forms.ProfessionalForm()
    return _circle_action(
        circle_id,
        form,
        "professionals",
        lambda circle: circles.add_professional(
            circle, form.name.data, form.organisation.data, form.role.data
        ),
    )


# --- the mentor portal (volunteers, phone first) -------------------------------------------------


@bp.get("/")
@requires(Permission.MENTOR_PORTAL)
def mentor_home():
    return render(
        "volunteers/mentor_home.html",
        circles=portal.my_circles(current_user),
        phase_labels=circles.PHASE_LABELS,
    )


def _mentor_page(circle_id, status: int = 200, errors=None, which=None, form=None):
    circle, volunteer = portal.access_my_circle(current_user, circle_id)
    return render(
        "volunteers/mentor_circle.html",
        view=portal.circle_view(circle, volunteer),
        phase_labels=circles.PHASE_LABELS,
        slot_label=services.slot_label,
        levels=list(SignalLevel),
        level_labels=LEVEL_LABELS,
        errors=errors or {},
        which=which,
        form=form,
        submission_key=str(uuid.uuid4()),
        today=date.today(),
        status=status,
    )


@bp.get("/circles/<uuid:mentor_circle_id>")
@requires(Permission.MENTOR_PORTAL)
def mentor_circle(mentor_circle_id: uuid.UUID):
    return _mentor_page(mentor_circle_id)


def _mentor_action(circle_id, form, which, work):
    circle, volunteer = portal.access_my_circle(current_user, circle_id)
    if not form.validate():
        return _mentor_page(circle_id, 422, form.error_dict(), which, form)
    return act(
        lambda: work(circle, volunteer),
        done=lambda _r: redirect(url_for("volunteers.mentor_circle", mentor_circle_id=circle_id)),
        refused=lambda error, status: _mentor_page(
            circle_id, status, {error.field or "form": error.message}, which, form
        ),
        message=_("Saved."),
    )


@bp.post("/circles/<uuid:mentor_circle_id>/invitation")
@requires(Permission.MENTOR_PORTAL)
def mentor_invitation(mentor_circle_id: uuid.UUID):
    form = forms.InvitationForm()
    return _mentor_action(
        mentor_circle_id,
        form,
        "invitation",
        lambda circle, volunteer: circles.answer_invitation(
            portal.my_membership(circle, volunteer), form.answer.data == "accept", date.today()
        ),
    )


@bp.post("/circles/<uuid:mentor_circle_id>/meetings")
@requires(Permission.MENTOR_PORTAL)
def mentor_meeting(mentor_circle_id: uuid.UUID):
    form = forms.MeetingForm()
    return _mentor_action(
        mentor_circle_id,
        form,
        "meeting",
        lambda circle, volunteer: portal.log_meeting(
            circle,
            volunteer,
            held_on=form.held_on.data,
            duration_minutes=form.duration_minutes.data,
            present=form.present.data,
            minutes=form.minutes.data or "",
            today=date.today(),
            submission_key=form.submission_key.data,
        ),
    )


@bp.post("/circles/<uuid:mentor_circle_id>/signals")
@requires(Permission.MENTOR_PORTAL)
def mentor_signal(mentor_circle_id: uuid.UUID):
    form = forms.SignalForm()
    return _mentor_action(
        mentor_circle_id,
        form,
        "signal",
        lambda circle, volunteer: portal.raise_signal(
            circle,
            volunteer,
            level=form.level.data,
            body=form.body.data,
            submission_key=form.submission_key.data,
        ),
    )
