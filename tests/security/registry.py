"""What the security tests need to call any endpoint: objects for its URL arguments, and a
valid body for each POST.

``ARGUMENTS`` maps every URL argument name of the portal to a factory that makes the
object in a given municipality (``Bundle``); objects one URL needs together (a case and
its note) come from one bundle. A route walk that meets an argument name missing here
fails and says so: add a factory when you add a route with a new argument.

``VALID_FORMS`` gives each POST endpoint a body that the portal accepts, so that the
walk, the canary test, the mass-assignment test and the fuzzer reach the code behind
the validation.
"""

from __future__ import annotations

import io
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask

from app.auth import local
from app.auth.models import User
from app.cases import documents, notes, people
from app.cases.bsn import generate_bsn
from app.cases.handover import services as handover
from app.cases.handover.models import SharingBasis, TrajectoryInvoice
from app.cases.models import Client
from app.cases.partners.models import Partner, PartnerKind, PartnerStaff
from app.cases.plan import services as plan
from app.cases.plan.models import TaskTemplate
from app.cases.services import open_case
from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.core.permissions import Role
from app.core.settings import editable_settings, settings_version
from app.core.tenants import region_tenants
from app.extensions import db
from app.jobs.models import OutboxJob
from app.notifications.models import Notification
from app.regional import budget
from app.regional.grant_models import AccountabilityReport, GrantDistribution, GrantShare
from app.tenants.models import Tenant
from app.volunteers.models import (
    Circle,
    CircleMember,
    CircleSignal,
    MatchingRun,
    ProgrammeReferral,
    Volunteer,
)
from app.volunteers.views import form_token

_rng = random.Random(606)
TODAY = date.today()
# Form validation refuses the reserved test domains (.invalid, .test); mail stays in memory.
MAIL_DOMAIN = "nazorg-proef.nl"
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Bundle:
    """The objects one request's URL needs, made on demand in one municipality.

    ``actor`` is the signed-in user of that municipality (or None): notices and the like
    belong to them.
    """

    app: Flask
    tenant: Tenant
    actor: User | None = None
    client_fields: dict | None = None

    def __post_init__(self) -> None:
        self.made: dict[str, object] = {}

    def _once(self, key: str, make: Callable[[], object]):
        if key not in self.made:
            with self.app.app_context(), tenant_app_context(self.tenant.id):
                db.session().expire_on_commit = False
                self.made[key] = make()
                db.session.commit()
        return self.made[key]

    # --- the aftercare file -------------------------------------------------------------

    def settings_version(self, group: str | None = None) -> int:
        """The version of the settings page's form (of one group) as saved now."""
        with self.app.app_context(), tenant_app_context(self.tenant.id):
            return settings_version(editable_settings(group))

    def case(self):
        def make():
            person = Client(
                **{
                    "given_name": "Walter",
                    "family_name": f"Wandelaar{self.tenant.id}",
                    "date_of_birth": date(1984, 2, 29),
                    "bsn": generate_bsn(_rng),
                    **(self.client_fields or {}),
                }
            )
            case = open_case(
                person,
                actor="test",
                facility="PI Zwolle",
                detention_start=TODAY - timedelta(days=40),
                expected_release=TODAY + timedelta(days=50),
            )
            db.session.flush()
            case.life_domains, case.client  # noqa: B018 - loaded while attached
            return case

        return self._once("case", make)

    def _case_here(self):
        """The bundle's case in the current (tenant-bound) session."""
        from app.cases.models import Case

        made = self.case()
        return db.session.get(Case, (made.tenant_id, made.id))

    def domain(self, kind: str = "housing"):
        case = self.case()
        return next(d for d in case.life_domains if d.domain == kind)

    def note(self):
        self.case()
        return self._once(
            "note", lambda: notes.add_note(self._case_here(), self.actor, "Gesprek gevoerd.")
        )

    def task(self):
        self.case()
        return self._once(
            "task",
            lambda: plan.add_task(
                self._case_here(),
                "test",
                domain="housing",
                title="Woning zoeken",
                responsible="aftercare_coordinator",
                due_date=TODAY + timedelta(days=7),
            ),
        )

    def person(self):
        self.case()
        return self._once(
            "person",
            lambda: people.add_person(
                self._case_here(),
                "test",
                {"role": "probation_officer", "name": "Paula Reclassering", "contact": "0570 1"},
            ),
        )

    def document(self):
        self.case()
        return self._once(
            "document",
            lambda: documents.add_document(
                self._case_here(),
                "test",
                kind="letter",
                title="Brief",
                filename="brief.pdf",
                content=PDF_BYTES,
            ),
        )

    def tenant_export(self):
        """A finished complete export of the municipality, with its (small) zip file."""

        def make():
            from app.lifecycle import export_job
            from app.lifecycle.models import TenantExport

            row = TenantExport(
                id=uuid.uuid4(),
                status="done",
                started_by_name="Beheerder",
                tables_done=1,
                tables_total=1,
                rows=0,
                size_bytes=22,
                checksum="0" * 64,
            )
            db.session.add(row)
            db.session.flush()
            path = export_job.zip_path(row)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
            return row

        return self._once("tenant_export", make)

    def referral(self):
        self.case()

        def make():
            case = self._case_here()
            handover.record_basis(
                case,
                "test",
                domain="housing",
                basis=SharingBasis.CONSENT_GIVEN.value,
                effective_on=TODAY,
            )
            return handover.refer(
                case, "test", domain="housing", partner="supported_housing", request="Plek"
            )

        return self._once("referral", make)

    def trajectory(self):
        self.case()

        def make():
            case = self._case_here()
            handover.record_basis(
                case,
                "test",
                domain="income",
                basis=SharingBasis.STATUTORY.value,
                effective_on=TODAY,
            )
            return handover.hand_over(case, "test", start_date=TODAY)

        return self._once("trajectory", make)

    # --- partners and the care director's own view ---------------------------------------------

    def partner(self, key: str = "partner"):
        """A care director of the municipality that takes trajectories."""
        return self._once(
            key,
            lambda: _added(
                Partner(
                    name=f"Regizorg BV {key} {self.tenant.id}",
                    kind=PartnerKind.CARE_DIRECTOR.value,
                    takes_referrals=True,
                    takes_trajectories=True,
                    active=True,
                )
            ),
        )

    def provider_account(self):
        """A provider worker's account of the municipality, bound to no partner yet."""

        def make():
            email = f"zorgregie-{uuid.uuid4().hex[:8]}@{MAIL_DOMAIN}"
            return _added(
                User(
                    display_name="Zorg Regisseur",
                    email=email,
                    role=Role.PROVIDER_WORKER.value,
                    issuer=local.LOCAL_ISSUER,
                    subject=email,
                    active=True,
                )
            )

        return self._once("provider_account", make)

    def provider_trajectory(self, *, mine: bool = True):
        """A trajectory handed to the partner the signed-in provider worker is bound to
        (``mine``), or to another partner of the same municipality."""
        self.referral()  # the consent for housing: a sharing basis to hand over on

        def make():
            actor = self.actor
            if mine and actor is not None and actor.role == Role.PROVIDER_WORKER.value:
                bound = db.session.scalars(
                    db.select(PartnerStaff).where(PartnerStaff.user_id == actor.id)
                ).one_or_none()
                if bound is None:
                    partner = db.session.get(Partner, (self.tenant.id, self.partner().id))
                    bound = _added(
                        PartnerStaff(partner_id=partner.id, user_id=actor.id, bound_by="test")
                    )
                partner_id = bound.partner_id
            else:
                partner_id = self.partner("partner" if mine else "other_partner").id
            case = self._case_here()
            handover.record_basis(
                case,
                "test",
                domain="income",
                basis=SharingBasis.STATUTORY.value,
                effective_on=TODAY,
            )
            # The bundle's case may have a trajectory already: a second one needs its reason,
            # and the walk may have set a budget it goes beyond: an approval covers it.
            _added(
                budget.BudgetApproval(
                    year=TODAY.year, reason="Toets", approved_by="test", submission_key=uuid.uuid4()
                )
            )
            trajectory = handover.hand_over(
                case, "test", start_date=TODAY, reason="Tweede traject voor de toets"
            )
            trajectory.partner_id = partner_id
            db.session.flush()
            return trajectory

        return self._once("provider_trajectory" if mine else "provider_trajectory_other", make)

    def invoice(self):
        """The care director's invoice on the bundle's trajectory, awaiting approval."""
        trajectory = self.trajectory()

        def make():
            return _added(
                TrajectoryInvoice(
                    trajectory_id=trajectory.id,
                    case_id=trajectory.case_id,
                    amount_cents=145_000,
                    invoice_date=TODAY,
                    reference=f"F-{uuid.uuid4().hex[:6]}",
                    submitted_by="Zorg Regisseur",
                )
            )

        return self._once("invoice", make)

    def commitment(self):
        """The budget commitment the bundle's trajectory made at its hand-over."""
        trajectory = self.trajectory()
        return self._once("commitment", lambda: budget.commitment_of(trajectory.id))

    def template(self):
        return self._once(
            "template",
            lambda: _added(
                TaskTemplate(
                    domain="housing",
                    phase="in_detention",
                    title="Huur doorbetalen",
                    responsible="aftercare_coordinator",
                    anchor="release",
                    offset_days=-30,
                )
            ),
        )

    def incoming_transfer(self):
        """A transfer offered to this municipality by another one of the region (a real
        offer: the sender's case, its ``case_transfers`` row and this one's incoming row)."""
        if "incoming_transfer" not in self.made:
            from app.cases.models import Case
            from app.cases.transfer_offers import offer_transfer

            with self.app.app_context():
                sender_tenant = db.session.get(Tenant, _other_tenant_id(self))
                db.session.expunge(sender_tenant)
            sender = Bundle(self.app, sender_tenant)
            made = sender.case()
            with self.app.app_context(), tenant_app_context(sender_tenant.id):
                case = db.session.get(Case, (made.tenant_id, made.id))
                offer = offer_transfer(
                    case, self.tenant.id, "Casemanager", "Verhuisd", confirmed=True
                )
                self.made["incoming_transfer"] = offer.id
        return self.made["incoming_transfer"]

    # --- people, notices, jobs, links -----------------------------------------------------

    def colleague(self):
        """Another account of the municipality (the one an admin acts on)."""
        return self._once(
            "colleague",
            lambda: _added(
                User(
                    display_name="Collega Test",
                    email=f"collega-{uuid.uuid4().hex[:8]}@example.invalid",
                    role=Role.CASE_WORKER.value,
                    issuer="https://idp.example.invalid",
                    subject=f"collega-{uuid.uuid4().hex}",
                    active=True,
                )
            ),
        )

    def notification(self, *, for_someone_else: bool = False):
        owner = self.colleague() if for_someone_else or self.actor is None else self.actor
        key = "notification-other" if for_someone_else else "notification"
        return self._once(
            key,
            lambda: _added(
                Notification(
                    user_id=owner.id,
                    kind="release_six_weeks",
                    dedupe_key=f"walk-{uuid.uuid4().hex}",
                    subject="Vrijlating binnen zes weken",
                    body_text="Een cliënt komt vrij.",
                    body_html="<p>Een cliënt komt vrij.</p>",
                    link="/cases/",
                )
            ),
        )

    def failed_job(self):
        """A job that failed (as the embedded queue records it; the walk runs without Redis)."""
        return self._once(
            "failed_job",
            lambda: _added(
                OutboxJob(
                    function="app.notifications.jobs.send_notification_mail",
                    queue="mail",
                    arguments={},
                    attempts=3,
                    last_error="SMTPServerDisconnected",
                )
            ),
        )

    def intake_upload(self):
        """A finished large upload (its report only; the content is cleared when done)."""
        from app.cases.intake.models import IntakeUpload
        from app.core.db import utcnow

        return self._once(
            "intake_upload",
            lambda: _added(
                IntakeUpload(
                    filename="groot.csv",
                    content=None,
                    content_hash=uuid.uuid4().hex,
                    total_rows=250,
                    processed_rows=250,
                    report={"created": [], "already_received": [], "problems": []},
                    finished_at=utcnow(),
                )
            ),
        )

    def spare_client(self):
        """A second record of a person, without a case: what a tenant admin merges."""
        return self._once(
            "spare_client",
            lambda: _added(
                Client(
                    given_name="Dubbel",
                    family_name=f"Dossier{self.tenant.id}",
                    date_of_birth=date(1984, 2, 29),
                    bsn=generate_bsn(_rng),
                )
            ),
        )

    def intake_check(self):
        """A document waiting in the check list: the bundle client's citizen number with
        another date of birth."""
        from app.cases.intake.checklist import IntakeCheck

        def make():
            client = self.case().client
            return _added(
                IntakeCheck(
                    client_id=client.id,
                    message_key=f"id:check-{uuid.uuid4().hex}",
                    source="api",
                    document={
                        **_intake_fields(),
                        "given_name": client.given_name,
                        "family_name": client.family_name,
                        "date_of_birth": "1971-03-02",
                        "bsn": client.bsn,
                    },
                )
            )

        return self._once("intake_check", make)

    # --- the region's grant (rows of the centre; made directly in any municipality) ------------

    def grant_distribution(self):
        """A computed distribution of this year's grant over the bundle's municipality."""

        def make():
            distribution = _added(
                GrantDistribution(
                    year=TODAY.year,
                    total_cents=100_000,
                    key_kind="fixed_share",
                    computed_by="Coordinator",
                )
            )
            _added(
                GrantShare(
                    distribution_id=distribution.id,
                    municipality_id=self.tenant.id,
                    municipality_name=self.tenant.name,
                    weight=1,
                    share_cents=100_000,
                )
            )
            return distribution

        return self._once("grant_distribution", make)

    def accountability_report(self):
        """A finished accountability report (its figures only)."""
        zero = dict.fromkeys(
            (
                "grant_cents",
                "regional_part_cents",
                "spent_cents",
                "spent_from_grant_cents",
                "committed_cents",
                "trajectories",
                "clients",
                "carried_over_cents",
            ),
            0,
        )
        return self._once(
            "accountability_report",
            lambda: _added(
                AccountabilityReport(
                    year=TODAY.year,
                    requested_by="Coordinator",
                    total_steps=1,
                    done_steps=1,
                    content={
                        "rows": [{**zero, "municipality": self.tenant.name}],
                        "total": zero,
                        "inputs": {"regional_parts": {}, "regional_expenses_cents": 0},
                    },
                    finished_at=utcnow(),
                )
            ),
        )

    # --- the volunteer programme -----------------------------------------------------------

    def volunteer(self):
        return self._once(
            "volunteer",
            lambda: _added(
                Volunteer(
                    first_name="Vera",
                    last_name=f"Vrijwilliger{self.tenant.id}",
                    email=f"vera{self.tenant.id}@{MAIL_DOMAIN}",
                    postcode="7411 AB",
                    languages=["nl"],
                    availability=["tue:evening"],
                    excluded_offences=[],
                )
            ),
        )

    def programme_referral(self):
        return self._once(
            "programme_referral",
            lambda: _added(
                ProgrammeReferral(
                    source_tenant_id=self.tenant.id,
                    source_case_id=uuid.uuid4(),
                    referred_by_name="Casemanager",
                    first_name=f"Kern{self.tenant.id}",
                    languages=["nl"],
                    availability=["tue:evening"],
                )
            ),
        )

    def circle(self):
        self.programme_referral()

        def make():
            referral = db.session.get(
                ProgrammeReferral, (self.tenant.id, self.made["programme_referral"].id)
            )
            return _added(Circle(referral_id=referral.id, coordinator_name="Coördinator"))

        return self._once("circle", make)

    def mentor_circle(self, *, mine: bool = True):
        """A circle with the signed-in volunteer in it (``mine``), or one without them."""

        def make():
            referral = _added(
                ProgrammeReferral(
                    source_tenant_id=self.tenant.id,
                    source_case_id=uuid.uuid4(),
                    referred_by_name="Casemanager",
                    first_name=f"Kern{self.tenant.id}",
                    languages=["nl"],
                    availability=["tue:evening"],
                )
            )
            circle = _added(Circle(referral_id=referral.id, coordinator_name="Coördinator"))
            if mine and self.actor is not None:
                volunteer = db.session.scalars(
                    db.select(Volunteer).where(Volunteer.user_id == self.actor.id)
                ).one_or_none() or _added(
                    Volunteer(
                        first_name="Mentor",
                        last_name=f"M{self.tenant.id}",
                        email=f"mentor{self.tenant.id}@{MAIL_DOMAIN}",
                        postcode="7411 AB",
                        status="actief",
                        languages=["nl"],
                        availability=["tue:evening"],
                        excluded_offences=[],
                        user_id=self.actor.id,
                    )
                )
                _added(
                    CircleMember(circle_id=circle.id, volunteer_id=volunteer.id, joined_on=TODAY)
                )
            return circle

        return self._once("mentor_circle" if mine else "mentor_circle_other", make)

    def matching_run(self):
        """A finished run proposing a circle for this bundle's waiting referral."""
        self.programme_referral()

        def make():
            referral_id = str(self.made["programme_referral"].id)
            return _added(
                MatchingRun(
                    requested_by="Coördinator",
                    status="done",
                    result={
                        "optimal": True,
                        "min_size": 3,
                        "max_km": 25.0,
                        "proposals": [
                            {
                                "referral_id": referral_id,
                                "first_name": f"Kern{self.tenant.id}",
                                "approximate": True,
                                "score": 10,
                                "state": "open",
                                "volunteers": [],
                            }
                        ],
                        "unmatched": [],
                    },
                )
            )

        return self._once("matching_run", make)

    def circle_signal(self):
        self.circle()
        self.volunteer()

        def make():
            return _added(
                CircleSignal(
                    circle_id=self.made["circle"].id,
                    volunteer_id=self.made["volunteer"].id,
                    level="zorg",
                    body="Hij slaapt slecht.",
                )
            )

        return self._once("circle_signal", make)

    def account_token(self, purpose: str) -> str:
        def make():
            email = f"vrijwilliger-{uuid.uuid4().hex[:8]}@example.invalid"
            user = _added(
                User(
                    display_name="Vera Vrijwilliger",
                    email=email,
                    role=Role.VOLUNTEER.value,
                    issuer=local.LOCAL_ISSUER,
                    subject=email,
                    active=purpose == local.RESET,
                )
            )
            return local._issue_token(user, purpose, timedelta(hours=1))

        return self._once(f"token-{purpose}", make)


def _added(row):
    db.session.add(row)
    db.session.flush()
    return row


@dataclass(frozen=True)
class Argument:
    """How to fill one URL argument.

    ``tenant_owned``: the object belongs to a municipality, so another municipality's
    must answer 404. ``out_of_scope``: an object of the user's own municipality that is
    still not theirs (someone else's notice), which must answer 404 as well.
    """

    make: Callable[[Bundle, str], object]
    tenant_owned: bool = True
    out_of_scope: Callable[[Bundle, str], object] | None = None


ARGUMENTS: dict[str, Argument] = {
    "case_id": Argument(lambda b, e: b.case().id),
    "client_id": Argument(lambda b, e: b.case().client_id),
    "domain_id": Argument(lambda b, e: b.domain().id),
    "note_id": Argument(lambda b, e: b.note().id),
    "person_id": Argument(lambda b, e: b.person().id),
    "document_id": Argument(lambda b, e: b.document().id),
    "export_id": Argument(lambda b, e: b.tenant_export().id),
    "task_id": Argument(lambda b, e: b.task().id),
    "referral_id": Argument(lambda b, e: b.referral().id),
    "trajectory_id": Argument(lambda b, e: b.trajectory().id),
    "template_id": Argument(lambda b, e: b.template().id),
    "incoming_id": Argument(lambda b, e: b.incoming_transfer()),
    "commitment_id": Argument(lambda b, e: b.commitment().id),
    "partner_id": Argument(lambda b, e: b.partner().id),
    "provider_trajectory_id": Argument(
        lambda b, e: b.provider_trajectory().id,
        out_of_scope=lambda b, e: b.provider_trajectory(mine=False).id,
    ),
    "invoice_id": Argument(lambda b, e: b.invoice().id),
    "user_id": Argument(lambda b, e: b.colleague().id),
    "outbox_id": Argument(lambda b, e: b.failed_job().id),
    "upload_id": Argument(lambda b, e: b.intake_upload().id),
    "check_id": Argument(lambda b, e: b.intake_check().id),
    "distribution_id": Argument(lambda b, e: b.grant_distribution().id),
    "report_id": Argument(lambda b, e: b.accountability_report().id),
    "volunteer_id": Argument(lambda b, e: b.volunteer().id),
    "programme_referral_id": Argument(lambda b, e: b.programme_referral().id),
    "circle_id": Argument(lambda b, e: b.circle().id),
    "run_id": Argument(lambda b, e: b.matching_run().id),
    "signal_id": Argument(lambda b, e: b.circle_signal().id),
    "mentor_circle_id": Argument(
        lambda b, e: b.mentor_circle().id,
        out_of_scope=lambda b, e: b.mentor_circle(mine=False).id,
    ),
    "notification_id": Argument(
        lambda b, e: b.notification().id,
        out_of_scope=lambda b, e: b.notification(for_someone_else=True).id,
    ),
    "token": Argument(
        lambda b, e: b.account_token(local.RESET if e == "local.reset" else local.INVITE)
    ),
    # Not objects: the municipality's door (public) and a fixed vocabulary.
    "slug": Argument(lambda b, e: b.tenant.slug, tenant_owned=False),
    "moment": Argument(lambda b, e: "intake", tenant_owned=False),
    # A panel of the case page (app/cases/panels.py); the case is the tenant-owned object.
    "panel": Argument(lambda b, e: "people", tenant_owned=False),
    # A folded form of the case page (app/cases/panels.py FORMS).
    "form": Argument(lambda b, e: "edit-details", tenant_owned=False),
}


class UnknownArgument(LookupError):
    pass


def argument(name: str, endpoint: str) -> Argument:
    try:
        return ARGUMENTS[name]
    except KeyError:
        raise UnknownArgument(
            f"the route {endpoint} takes <{name}>, which tests/security/registry.py does not "
            f"know: add ARGUMENTS[{name!r}] = Argument(factory) that makes one in a bundle"
        ) from None


# --- valid bodies per POST endpoint ---------------------------------------------------------

Form = dict[str, object]


def _intake_fields() -> dict[str, str]:
    return {
        "given_name": "Ina",
        "family_name": "Instroom",
        "date_of_birth": "1990-04-01",
        "bsn": generate_bsn(_rng),
        "facility": "PI Almelo",
        "detention_start": (TODAY - timedelta(days=10)).isoformat(),
        "expected_release": (TODAY + timedelta(days=100)).isoformat(),
        "housing_status": "not_arranged",
        "housing_need": "Woonruimte",
    }


def _upload(b: Bundle) -> Form:
    fields = _intake_fields()
    header = ";".join(fields)
    row = ";".join(fields.values())
    content = f"{header}\n{row}\n".encode()
    return {"file": (io.BytesIO(content), "instroom.csv")}


VALID_FORMS: dict[str, Callable[[Bundle], Form]] = {
    "accounts.change_role": lambda b: {"role": Role.PRIVACY_OFFICER.value},
    "accounts.deactivate": lambda b: {},
    "accounts.end_sessions": lambda b: {},
    "accounts.identity_provider": lambda b: {
        "issuer": "https://login.example.invalid",
        "client_id": "nazorg",
        "client_secret_ref": "OIDC_SECRET_" + b.tenant.slug.upper().replace("-", "_"),
        "scopes": "openid profile email",
        "roles_claim": "roles",
        "role_mapping": "nazorg-casemanager = case_worker",
        "enabled": "y",
    },
    "accounts.invite": lambda b: {
        "display_name": "Nieuwe Vrijwilliger",
        "email": f"nieuw-{uuid.uuid4().hex[:8]}@{MAIL_DOMAIN}",
        "role": Role.VOLUNTEER.value,
    },
    "auth.demo_sign_in": lambda b: {"user": "nobody"},
    "auth.sign_out": lambda b: {},
    "budget.budget_approve": lambda b: {
        "year": TODAY.year,
        "reason": "Extra traject",
        "submission_key": str(uuid.uuid4()),
    },
    "budget.budget_invoice": lambda b: {
        "version": b.commitment().version,
        "amount": "1.450,00",
        "invoice_date": TODAY.isoformat(),
        "reference": "F-1",
    },
    "budget.budget_line_add": lambda b: {
        "year": TODAY.year,
        "source": "municipal",
        "amount": "75.000,00",
        "submission_key": str(uuid.uuid4()),
    },
    # h13a: the reason for opening cases behind a figure (own municipality: a redirect).
    "regional.give_reason": lambda b: {
        "gemeente": b.tenant.slug,
        "cijfer": "cohort",
        "periode": "",
        "reason": "quality",
        "explanation": "Controle van een cijfer",
    },
    "budget.budget_planning": lambda b: {
        "year": TODAY.year,
        "trajectory_cost": "1.500,00",
        "expected_trajectories": "50",
    },
    "grant.grant_compute": lambda b: _grant_form(b),
    "grant.grant_approve": lambda b: {
        "reason": "Nieuwe circulaire",
        "submission_key": str(uuid.uuid4()),
    },
    "grant.regional_expense_add": lambda b: {
        "year": TODAY.year,
        "amount": "2.500,00",
        "spent_on": date(TODAY.year, 1, 15).isoformat(),
        "description": "Training vrijwilligers",
        "submission_key": str(uuid.uuid4()),
    },
    "grant.accountability_start": lambda b: {"year": TODAY.year},
    "cases.admin_api_token": lambda b: {"action": "issue"},
    "cases.admin_partner_add": lambda b: {**_partner_form(), "submission_key": str(uuid.uuid4())},
    "cases.admin_partner_save": lambda b: {**_partner_form(), "version": b.partner().version},
    "cases.admin_partner_staff": lambda b: {
        "user_id": str(b.provider_account().id),
        "action": "bind",
    },
    "provider.provider_progress": lambda b: {
        "domain": "housing",
        "body": "Kamer bezichtigd bij de woningcorporatie.",
        "submission_key": str(uuid.uuid4()),
    },
    "provider.provider_end": lambda b: {
        "proposed_end": (TODAY + timedelta(days=60)).isoformat(),
        "body": "Doelen bereikt.",
        "submission_key": str(uuid.uuid4()),
    },
    "provider.provider_invoice": lambda b: {
        "amount": "1.450,00",
        "invoice_date": TODAY.isoformat(),
        "reference": f"F-{uuid.uuid4().hex[:6]}",
        "submission_key": str(uuid.uuid4()),
    },
    "provider.provider_invoice_decide": lambda b: {
        "decision": "approve",
        "version": b.invoice().version,
    },
    "cases.admin_settings_save": lambda b: {
        "trajectory_default_cost_euros": "1400",
        "social_network_domain": "1",
        "care_director_name": "Stichting Nazorg IJssel",
        "closed_case_years": "10",
        "detention_notice_months": "6",
        "access_log_years": "5",
        "security_log_years": "5",
        "version": b.settings_version(),
    },
    "cases.admin_template_add": lambda b: {**_template_form(), "submission_key": str(uuid.uuid4())},
    "cases.admin_template_save": lambda b: {**_template_form(), "version": b.template().version},
    "cases.admin_template_delete": lambda b: {},
    "cases.admin_templates_reset": lambda b: {},
    "cases.change_phase": lambda b: {"phase": "in_detention", "version": b.case().version},
    "cases.consent_record": lambda b: {
        "domain": "income",
        "basis": SharingBasis.STATUTORY.value,
        "effective_on": TODAY.isoformat(),
        "note": "Wettelijke grondslag",
        "submission_key": str(uuid.uuid4()),
    },
    "cases.domain_save": lambda b: {
        "status": "arranged",
        "need": "Geen",
        "notes": "Geregeld",
        "version": b.domain().version,
    },
    "cases.intake_submit": lambda b: _intake_fields(),
    "cases.client_merge": lambda b: {
        "survivor_bsn": b.case().client.bsn,
        "merged_bsn": b.spare_client().bsn,
        "reason": "Twee records van een persoon",
        "confirm": "1",
    },
    "cases.intake_check_decide": lambda b: {"decision": "other_person", "reason": "Ander BSN"},
    "cases.intake_upload": _upload,
    "cases.note_add": lambda b: {
        "body": "Telefonisch contact gehad.",
        "submission_key": str(uuid.uuid4()),
    },
    "cases.person_add": lambda b: {
        "role": "gp",
        "name": "Dokter Huisarts",
        "organisation": "Huisartsenpraktijk De Brink",
        "contact": "0570 123456",
        "started_on": TODAY.isoformat(),
        "submission_key": str(uuid.uuid4()),
    },
    "cases.person_save": lambda b: {
        "role": "probation_officer",
        "name": "Paula Reclassering",
        "organisation": "Reclassering Nederland",
        "contact": "0570 2",
        "version": b.person().version,
    },
    "cases.person_end": lambda b: {
        "ended_on": TODAY.isoformat(),
        "end_reason": "Toezicht afgelopen",
        "version": b.person().version,
    },
    "cases.document_add": lambda b: {
        "kind": "consent_form",
        "title": "Toestemming",
        "file": (io.BytesIO(PDF_BYTES), "toestemming.pdf"),
        "submission_key": str(uuid.uuid4()),
    },
    "cases.document_new_version": lambda b: {
        "kind": "letter",
        "title": "Brief",
        "file": (io.BytesIO(PDF_BYTES + b"2"), "brief-2.pdf"),
        "submission_key": str(uuid.uuid4()),
    },
    "lifecycle.start_export": lambda b: {},
    "cases.note_save": lambda b: {"body": "Aangepaste notitie.", "version": b.note().version},
    "cases.record_release": lambda b: {
        "released_on": TODAY.isoformat(),
        "version": b.case().version,
    },
    "audit.find_client": lambda b: {"bsn": b.case().client.bsn},
    "audit.retention_settings": lambda b: {
        "closed_case_years": "10",
        "detention_notice_months": "6",
        "access_log_years": "5",
        "security_log_years": "5",
        "version": b.settings_version("retention"),
    },
    # The referral factory records the consent for housing that a referral needs.
    "cases.referral_add": lambda b: (
        b.referral()
        and {
            "domain": "housing",
            "partner": "supported_housing",
            "request": "Begeleid wonen",
            "submission_key": str(uuid.uuid4()),
        }
    ),
    "cases.referral_outcome": lambda b: {
        "status": "accepted",
        "version": b.referral().version,
    },
    "cases.take_snapshot": lambda b: {},
    "cases.void_snapshot": lambda b: {"reason": "Per abuis genomen"},
    "cases.correct_release": lambda b: {
        "released_on": TODAY.isoformat(),
        "reason": "Verkeerde datum ingevoerd",
        "version": b.case().version,
    },
    "cases.task_add": lambda b: {
        "due_date": (TODAY + timedelta(days=3)).isoformat(),
        "domain": "income",
        "responsible": "income",
        "title": "Uitkering aanvragen",
        "submission_key": str(uuid.uuid4()),
    },
    "cases.task_done": lambda b: {"done": "1", "version": b.task().version},
    # The referral factory records the consent for housing: a sharing basis to hand over on.
    "cases.trajectory_add": lambda b: (
        b.referral()
        and {
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY + timedelta(days=90)).isoformat(),
            "cost_euros": "1500",
            "submission_key": str(uuid.uuid4()),
        }
    ),
    "cases.trajectory_update": lambda b: {
        "status": "completed",
        "end_date": (TODAY + timedelta(days=30)).isoformat(),
        "version": b.trajectory().version,
    },
    "cases.transfer": lambda b: {
        "target": str(_other_tenant_id(b)),
        "reason": "Verhuisd",
        "confirm": "1",
    },
    "cases.confirm_responsible": lambda b: {
        "responsible_tenant": b.tenant.slug,
        "client_version": b.case().client.version,
    },
    "cases.incoming_accept": lambda b: {"case_worker_id": str(b.colleague().id)},
    "cases.incoming_decline": lambda b: {"reason": "Niet onze inwoner"},
    "cases.update_details": lambda b: {
        "facility": "PI Vught",
        "detention_start": (TODAY - timedelta(days=41)).isoformat(),
        "expected_release": (TODAY + timedelta(days=60)).isoformat(),
        "address": "Brink 1, Deventer",
        "version": b.case().version,
        "client_version": b.case().client.version,
    },
    "core.choose_language": lambda b: {"locale": "nl", "next": "/start"},
    "jobs.run_again": lambda b: {},
    "local.activate": lambda b: {"password": "x", "confirm": "x", "code": "123456"},
    "local.code_step": lambda b: {"code": "123456"},
    "local.password_step": lambda b: {"email": f"niemand@{MAIL_DOMAIN}", "password": "fout"},
    "local.request_reset": lambda b: {"email": f"niemand@{MAIL_DOMAIN}"},
    "local.reset": lambda b: {"password": "x", "confirm": "x", "code": "123456"},
    "notifications.mark_read": lambda b: {},
    "notifications.send_digest_now": lambda b: {},
    "volunteers.apply_submit": lambda b: _volunteer_application(b),
    "volunteers.coordinator_form_circle": lambda b: {},
    "volunteers.coordinator_run_matching": lambda b: {},
    "volunteers.coordinator_accept_proposal": lambda b: {
        "volunteer_ids": str(b.volunteer().id),
        "version": b.matching_run().version,
    },
    "volunteers.coordinator_reject_proposal": lambda b: {"version": b.matching_run().version},
    "volunteers.coordinator_handle_signal": lambda b: {"forward": "1"},
    "volunteers.coordinator_circle_review": lambda b: {
        "kind": "quarterly",
        "held_on": TODAY.isoformat(),
        "summary": "Het gaat goed; de kring komt elke week bij elkaar.",
    },
    "volunteers.mentor_invitation": lambda b: {"answer": "accept"},
    "volunteers.mentor_meeting": lambda b: {
        "held_on": TODAY.isoformat(),
        "duration_minutes": "90",
        "present": "Mentor",
        "minutes": "Goed gesprek over werk.",
        "submission_key": str(uuid.uuid4()),
    },
    "volunteers.mentor_signal": lambda b: {
        "level": "zorg",
        "body": "Hij slaapt slecht.",
        "submission_key": str(uuid.uuid4()),
    },
    "volunteers.coordinator_circle_member": lambda b: {"volunteer_id": str(b.volunteer().id)},
    "volunteers.coordinator_circle_phase": lambda b: {
        "phase": "vorming",
        "covenant_signed_on": TODAY.isoformat(),
        "version": b.circle().version,
    },
    "volunteers.coordinator_circle_professional": lambda b: {
        "name": "Petra Reclassering",
        "organisation": "Reclassering Nederland",
        "role": "Reclasseringswerker",
    },
    "volunteers.refer_to_programme": lambda b: {
        "carry_first_name": "1",
        "languages": "nl",
        "availability": "tue:evening",
        "needs": "Iemand om mee te praten",
    },
    "volunteers.coordinator_status": lambda b: {
        "status": "gescreend",
        "reason": "Intakegesprek gevoerd",
        "version": b.volunteer().version,
    },
    "volunteers.coordinator_certificate": lambda b: {
        "issued_on": (TODAY - timedelta(days=30)).isoformat(),
        "profile": "Functieprofiel 45 (vrijwilligers)",
        "version": b.volunteer().version,
    },
    "volunteers.coordinator_training": lambda b: {
        "module": "introduction",
        "completed_on": (TODAY - timedelta(days=3)).isoformat(),
    },
}


def _grant_form(b: Bundle) -> Form:
    """A distribution of EUR 250.000 with one number per municipality of the region."""
    with b.app.app_context():
        region = region_tenants(db.session.get(Tenant, b.tenant.id))
        form: Form = {
            "year": TODAY.year,
            "total": "250.000,00",
            "key_kind": "ex_detainees",
            "reference_year": TODAY.year - 2,
            "submission_key": str(uuid.uuid4()),
        }
        for n, tenant in enumerate(region, start=1):
            form[f"weight_{tenant.id}"] = n * 10
    return form


def _volunteer_application(b: Bundle) -> Form:
    """A person's application: the form handed out a minute ago (a signed time stamp)."""
    with b.app.test_request_context():
        started = form_token(time.time() - 60)
    return {
        "first_name": "Vera",
        "last_name": "Vrijwilliger",
        "email": f"vera@{MAIL_DOMAIN}",
        "postcode": "7411 AB",
        "capacity": "1",
        "languages": "nl",
        "availability": "tue:evening",
        "gender_preference": "none",
        "started": started,
        "submission_key": str(uuid.uuid4()),
    }


# JSON endpoints: their valid body (they are posted as JSON, not as a form).
VALID_JSON: dict[str, Callable[[Bundle], dict]] = {
    "intake_api.receive_document": lambda b: {
        **{k: v for k, v in _intake_fields().items() if not k.startswith("housing")},
        "message_id": f"walk-{uuid.uuid4().hex}",
        "domains": {"housing": {"status": "not_arranged", "need": "Woonruimte"}},
    },
    "intake_api.receive_batch": lambda b: {
        "documents": [VALID_JSON["intake_api.receive_document"](b) for _ in range(2)]
    },
}


def _template_form() -> Form:
    return {
        "domain": "housing",
        "phase": "in_detention",
        "title": "Huurschuld uitzoeken",
        "responsible": "aftercare_coordinator",
        "anchor": "release",
        "offset_days": "-14",
        "position": "3",
        "active": "1",
    }


def _partner_form() -> Form:
    return {
        "name": "Stichting Schuldhulp IJssel",
        "kind": "debt_help",
        "contact_name": "Team schulden",
        "email": f"schulden@{MAIL_DOMAIN}",
        "phone": "0570 123456",
        "takes_referrals": "1",
        "active": "1",
    }


def _other_tenant_id(b: Bundle) -> int:
    with b.app.app_context():
        return next(
            t.id
            for t in db.session.scalars(db.select(Tenant).order_by(Tenant.id))
            if t.id != b.tenant.id
        )


def api_token_for(app: Flask, tenant: Tenant) -> str:
    from app.cases.intake import tokens

    with app.app_context(), tenant_app_context(tenant.id):
        token = tokens.issue_token(tenant.id)
        db.session.commit()
    return token
