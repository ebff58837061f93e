"""factory-boy factories for every model; create them inside ``in_tenant(...)``.

The session is the tenant-bound ``db.session`` of the current app context, so
the flush hook stamps ``tenant_id`` exactly as in a request. Children of a case,
a note or a user make their parent with a ``SubFactory`` (pass ``case=...`` to
hang them on an existing one); the parent is committed first, so its id is known.

Shared tables: ``PendingSignInFactory`` needs only an app context;
``TenantFactory`` writes as the owner role (see there).
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import uuid
from datetime import date, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app.audit.models import AccessAction, AccessLogEntry, DestructionRecord
from app.auth.events import Event
from app.auth.local import INVITE, LOCAL_ISSUER
from app.auth.models import (
    AccountToken,
    IdentityProvider,
    PendingSignIn,
    SecurityEvent,
    User,
    UserSession,
)
from app.auth.oidc import secret_variable_prefix
from app.cases.bsn import generate_bsn
from app.cases.documents import CaseDocument
from app.cases.handover.models import (
    DomainConsent,
    InvoiceStatus,
    Referral,
    ReferralStatus,
    ReportKind,
    SharingBasis,
    Trajectory,
    TrajectoryInvoice,
    TrajectoryReport,
    TrajectoryStatus,
)
from app.cases.intake.checklist import IntakeCheck
from app.cases.intake.models import IntakeMessage, IntakeUpload
from app.cases.intake.services import Source
from app.cases.models import (
    DEFAULT_CARE_DIRECTOR,
    Case,
    CasePhase,
    CaseSettings,
    Client,
    DomainSnapshot,
    DomainStatus,
    LifeDomain,
    LifeDomainKind,
    MonitorMoment,
    PhaseChange,
)
from app.cases.notes import Note, NoteRevision
from app.cases.partners.models import Partner, PartnerKind, PartnerStaff
from app.cases.people import CasePerson
from app.cases.plan.models import Anchor, PlanPhase, Responsible, Task, TaskStatus, TaskTemplate
from app.cases.timeline import EventKind, TimelineEntry
from app.cases.transfer import CaseTransfer, TransferState
from app.cases.transfer_offers import IncomingState, IncomingTransfer
from app.core.db import utcnow
from app.core.permissions import Role
from app.core.settings import TenantSetting
from app.core.tenancy import current_tenant_id
from app.core.tokens import hash_token
from app.extensions import db
from app.jobs.models import OutboxJob
from app.lifecycle.models import TenantExport, TenantRemoval
from app.notifications.models import Notification
from app.tenants.models import Tenant
from app.volunteers.models import (
    Circle,
    CircleMember,
    CircleReview,
    CircleSignal,
    MatchingRun,
    Meeting,
    OuterMember,
    ProgrammeReferral,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
    VolunteerStatus,
    VolunteerStatusChange,
)

_rng = random.Random(11)
# A documentation address (RFC 5737): never a real visitor.
ORIGIN = "192.0.2.10"
USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _token_hash(n: int) -> str:
    # Only the hash of a token is stored; the token itself does not matter to a test.
    return hash_token(f"test-token-{n}")


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


# --- municipalities and sign-in ---------------------------------------------------------


def owner_session() -> Session:
    """A session as the schema owner, for the tables only migrations write (``tenants``).

    On PostgreSQL the portal role may only read ``tenants``; on SQLite there are no
    roles and the app's engine will do. Not expiring on commit keeps the row readable
    after the session is gone.
    """
    url = current_app.config.get("MIGRATION_DATABASE_URI")
    # NullPool: no owner connection lingers to block the suite's TRUNCATE or DROP SCHEMA.
    engine = create_engine(url, poolclass=NullPool) if url else db.engine
    return Session(bind=engine, expire_on_commit=False)


class TenantFactory(BaseFactory):
    """A sixth municipality. Its row survives the per-test cleanup (``tenants`` is kept):
    delete it in an ``owner_session()`` when the test is done."""

    class Meta:
        model = Tenant
        sqlalchemy_session_factory = owner_session

    # The five real municipalities are 1 to 5, and the migration's explicit ids leave
    # the id sequence behind, so a made one brings its own.
    id = factory.Sequence(lambda n: 101 + n)
    slug = factory.Sequence(lambda n: f"heuveldorp-{n}")
    name = factory.Sequence(lambda n: f"Heuveldorp {n}")
    is_centre = False
    region = "deventer"  # the test suite's region (conftest adds its five as data)


class TenantRemovalFactory(BaseFactory):
    """The platform's record of a municipality that left (written by the owner only)."""

    class Meta:
        model = TenantRemoval
        sqlalchemy_session_factory = owner_session

    former_tenant_id = factory.Sequence(lambda n: 201 + n)
    slug = factory.Sequence(lambda n: f"vertrokken-{n}")
    name = factory.Sequence(lambda n: f"Vertrokken {n}")
    removed_at = factory.LazyFunction(utcnow)
    export_checksum = factory.Sequence(_token_hash)
    counts = factory.LazyFunction(lambda: {"cases": 3, "clients": 3})


class UserFactory(BaseFactory):
    """A staff member signing in through the municipality's IdP; ``local=True`` makes a
    volunteer's local account (issuer ``local``, e-mail as subject)."""

    class Meta:
        model = User

    class Params:
        local = factory.Trait(
            role=Role.VOLUNTEER.value,
            issuer=LOCAL_ISSUER,
            subject=factory.SelfAttribute("email"),
        )

    display_name = factory.Sequence(lambda n: f"Medewerker {n}")
    email = factory.Sequence(lambda n: f"medewerker{n}@example.invalid")
    role = Role.CASE_WORKER.value
    issuer = "https://idp.example.invalid"
    subject = factory.Sequence(lambda n: f"subject-{n}")
    active = True


class UserSessionFactory(BaseFactory):
    class Meta:
        model = UserSession

    user = factory.SubFactory(UserFactory)
    token_hash = factory.Sequence(_token_hash)
    origin = ORIGIN
    user_agent = USER_AGENT


class AccountTokenFactory(BaseFactory):
    """An open invitation for a volunteer's local account."""

    class Meta:
        model = AccountToken

    user = factory.SubFactory(UserFactory, local=True, active=False)
    purpose = INVITE
    token_hash = factory.Sequence(_token_hash)
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(hours=72))


def _secret_reference() -> str:
    # The portal accepts only the variable named after the municipality of the session.
    tenant = db.session.get(Tenant, current_tenant_id(db.session()))
    return secret_variable_prefix(tenant.slug)


class IdentityProviderFactory(BaseFactory):
    """The municipality's IdP settings; one per municipality (unique ``tenant_id``)."""

    class Meta:
        model = IdentityProvider

    issuer = "https://idp.example.invalid"
    client_id = "nazorgportaal"
    client_secret_ref = factory.LazyFunction(_secret_reference)
    scopes = "openid profile email"
    roles_claim = "roles"
    role_mapping = factory.LazyFunction(
        lambda: {
            "nazorg-casemanager": Role.CASE_WORKER.value,
            "nazorg-beheer": Role.TENANT_ADMIN.value,
        }
    )
    enabled = True


class PendingSignInFactory(BaseFactory):
    """Authlib's state of a sign-in under way; shared, so an app context is enough."""

    class Meta:
        model = PendingSignIn

    key = factory.Sequence(lambda n: f"_state_lochem_{n}")
    value = factory.LazyFunction(
        lambda: json.dumps(
            {
                "data": {
                    "redirect_uri": "https://nazorg.example.invalid/auth/callback",
                    "nonce": secrets.token_urlsafe(16),
                    "code_verifier": secrets.token_urlsafe(48),
                }
            }
        )
    )
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(hours=1))


class SecurityEventFactory(BaseFactory):
    """A successful sign-in of a user who exists (the log itself keeps no foreign key)."""

    class Meta:
        model = SecurityEvent

    class Params:
        user = factory.SubFactory(UserFactory)

    event = Event.SIGN_IN.value
    result = "success"
    user_id = factory.SelfAttribute("user.id")
    account = factory.SelfAttribute("user.subject")
    origin = ORIGIN
    detail = "oidc"


# --- the aftercare file ------------------------------------------------------------------


class ClientFactory(BaseFactory):
    class Meta:
        model = Client

    given_name = factory.Sequence(lambda n: f"Voornaam{n}")
    family_name = factory.Sequence(lambda n: f"Achternaam{n}")
    date_of_birth = date(1990, 5, 17)
    bsn = factory.LazyFunction(lambda: generate_bsn(_rng))


class CaseFactory(BaseFactory):
    class Meta:
        model = Case

    client = factory.SubFactory(ClientFactory)
    facility = "PI Zwolle"
    detention_start = factory.LazyFunction(lambda: date.today() - timedelta(days=30))
    expected_release = factory.LazyFunction(lambda: date.today() + timedelta(days=60))


class CaseSettingsFactory(BaseFactory):
    """The municipality's intake API token row; one per municipality (unique ``tenant_id``)."""

    class Meta:
        model = CaseSettings

    api_token_hash = None


class LifeDomainFactory(BaseFactory):
    class Meta:
        model = LifeDomain

    case = factory.SubFactory(CaseFactory)
    domain = LifeDomainKind.HOUSING.value
    status = DomainStatus.UNKNOWN.value


class DomainSnapshotFactory(BaseFactory):
    class Meta:
        model = DomainSnapshot

    class Params:
        case = factory.SubFactory(CaseFactory)

    case_id = factory.SelfAttribute("case.id")
    domain = LifeDomainKind.HOUSING.value
    moment = MonitorMoment.INTAKE.value
    status = DomainStatus.NOT_ARRANGED.value
    actor_name = "Medewerker Nazorg"


class PhaseChangeFactory(BaseFactory):
    class Meta:
        model = PhaseChange

    class Params:
        case = factory.SubFactory(CaseFactory)

    case_id = factory.SelfAttribute("case.id")
    from_phase = CasePhase.REGISTERED.value
    to_phase = CasePhase.IN_DETENTION.value
    reason = "Intake afgerond, cliënt verblijft in PI Zwolle."
    actor_name = "Medewerker Nazorg"


class TimelineEntryFactory(BaseFactory):
    class Meta:
        model = TimelineEntry

    class Params:
        case = factory.SubFactory(CaseFactory)

    case_id = factory.SelfAttribute("case.id")
    kind = EventKind.OPENED.value
    actor_name = "Medewerker Nazorg"
    detail = factory.LazyFunction(dict)


class NoteFactory(BaseFactory):
    class Meta:
        model = Note

    class Params:
        case = factory.SubFactory(CaseFactory)
        author = factory.SubFactory(UserFactory)

    case_id = factory.SelfAttribute("case.id")
    author_id = factory.SelfAttribute("author.id")
    author_name = factory.SelfAttribute("author.display_name")
    body = "Telefonisch contact gehad met de casemanager van de PI over de woonsituatie."


class NoteRevisionFactory(BaseFactory):
    class Meta:
        model = NoteRevision

    class Params:
        note = factory.SubFactory(NoteFactory)

    note_id = factory.SelfAttribute("note.id")
    body = "Telefonisch contact gehad met de PI."
    edited_at = factory.LazyFunction(utcnow)
    edited_by = factory.SelfAttribute("note.author_name")


class CasePersonFactory(BaseFactory):
    """Someone involved in the case: the probation officer by default."""

    class Meta:
        model = CasePerson

    class Params:
        case = factory.SubFactory(CaseFactory)

    case_id = factory.SelfAttribute("case.id")
    role = "probation_officer"
    name = "Petra Toezicht"
    organisation = "Reclassering Nederland"
    contact = "0570 123 456"
    started_on = factory.LazyFunction(lambda: date.today() - timedelta(days=20))
    recorded_by = "Casemanager"


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class CaseDocumentFactory(BaseFactory):
    """A one-page PDF letter of the case (version 1 of its own series)."""

    class Meta:
        model = CaseDocument

    class Params:
        case = factory.SubFactory(CaseFactory)

    id = factory.LazyFunction(uuid.uuid4)
    case_id = factory.SelfAttribute("case.id")
    series_id = factory.SelfAttribute("id")
    version_number = 1
    kind = "letter"
    title = "Brief van de woningcorporatie"
    filename = "brief.pdf"
    media_type = "application/pdf"
    content = MINIMAL_PDF
    size_bytes = factory.LazyAttribute(lambda o: len(o.content))
    content_sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    uploaded_by = "Casemanager"


class TenantExportFactory(BaseFactory):
    """A complete export the tenant admin started, still waiting for its job."""

    class Meta:
        model = TenantExport

    status = "queued"
    started_by_name = "Beheerder"
    tables_done = 0
    tables_total = 0


class IntakeMessageFactory(BaseFactory):
    """A detention notice received through the intake API, by the sender's message id."""

    class Meta:
        model = IntakeMessage

    class Params:
        case = factory.SubFactory(CaseFactory)

    message_key = factory.Sequence(lambda n: f"id:PI-ZWOLLE-2026-{n:05d}")
    source = Source.API.value
    case_id = factory.SelfAttribute("case.id")


def _document_of_another_person(check) -> dict:
    """An intake document with the known client's citizen number and another date of birth."""
    client = check.client
    return {
        "message_id": f"PI-CHECK-{uuid.uuid4().hex[:12]}",
        "given_name": client.given_name,
        "family_name": client.family_name,
        "date_of_birth": "1971-03-02",
        "bsn": client.bsn,
        "facility": "PI Zwolle",
        "detention_start": (date.today() - timedelta(days=10)).isoformat(),
        "expected_release": (date.today() + timedelta(days=90)).isoformat(),
    }


class IntakeCheckFactory(BaseFactory):
    """A document waiting in the check list: a known client's citizen number, another date
    of birth."""

    class Meta:
        model = IntakeCheck

    class Params:
        client = factory.SubFactory(ClientFactory)

    client_id = factory.SelfAttribute("client.id")
    message_key = factory.Sequence(lambda n: f"id:PI-CHECK-{n:05d}")
    source = Source.API.value
    document = factory.LazyAttribute(_document_of_another_person)


class IntakeUploadFactory(BaseFactory):
    """A large upload waiting for its background job (a two-row CSV)."""

    class Meta:
        model = IntakeUpload

    filename = "detenties.csv"
    content = b"message_id;given_name\nPI-1;Jan\n"
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    total_rows = 1
    processed_rows = 0


# --- plan and handover -------------------------------------------------------------------


class TaskTemplateFactory(BaseFactory):
    class Meta:
        model = TaskTemplate

    domain = LifeDomainKind.HOUSING.value
    phase = PlanPhase.IN_DETENTION.value
    title = "Huur doorbetalen tijdens detentie"
    description = "Bijzondere bijstand aanvragen zodat de woning behouden blijft."
    responsible = Responsible.AFTERCARE_COORDINATOR.value
    anchor = Anchor.RELEASE.value
    offset_days = -30
    position = factory.Sequence(lambda n: n)


class TaskFactory(BaseFactory):
    class Meta:
        model = Task

    class Params:
        case = factory.SubFactory(CaseFactory)

    case_id = factory.SelfAttribute("case.id")
    domain = LifeDomainKind.HOUSING.value
    phase = PlanPhase.RELEASE_PREPARATION.value
    title = "Woning zoeken"
    responsible = Responsible.AFTERCARE_COORDINATOR.value
    due_date = factory.LazyFunction(lambda: date.today() + timedelta(days=14))
    before_release = True
    status = TaskStatus.OPEN.value


class DomainConsentFactory(BaseFactory):
    class Meta:
        model = DomainConsent

    class Params:
        case = factory.SubFactory(CaseFactory)

    case_id = factory.SelfAttribute("case.id")
    domain = LifeDomainKind.HOUSING.value
    basis = SharingBasis.CONSENT_GIVEN.value
    effective_on = factory.LazyFunction(date.today)
    note = "Mondeling toestemming gegeven tijdens het intakegesprek."
    recorded_by = "Medewerker Nazorg"


def with_sharing_basis(case, domain: str = LifeDomainKind.INCOME.value):
    """``case`` with the statutory basis recorded for one life domain: what a hand-over to
    the care director needs (``handover.check_hand_over``). Returns the case."""
    db.session.flush()
    DomainConsentFactory(
        case=case,
        domain=domain,
        basis=SharingBasis.STATUTORY.value,
        effective_on=date.today() - timedelta(days=1),
        recorded_at=utcnow() - timedelta(seconds=1),
    )
    db.session.flush()
    return case


def shared_case(**fields):
    """A ``CaseFactory`` case that may be handed over (``with_sharing_basis``)."""
    return with_sharing_basis(CaseFactory(**fields))


class ReferralFactory(BaseFactory):
    """A referral as the portal makes it: give it a ``DomainConsentFactory`` for the same
    domain when the test needs the consent that a referral requires."""

    class Meta:
        model = Referral

    class Params:
        case = factory.SubFactory(CaseFactory)

    case_id = factory.SelfAttribute("case.id")
    domain = LifeDomainKind.HOUSING.value
    partner = "Beschermd en begeleid wonen"
    partner_kind = PartnerKind.SUPPORTED_HOUSING.value
    request = "Begeleid wonen na vrijlating."
    status = ReferralStatus.SENT.value
    sent_on = factory.LazyFunction(date.today)
    referred_by = "Medewerker Nazorg"


class TrajectoryFactory(BaseFactory):
    class Meta:
        model = Trajectory

    class Params:
        case = factory.SubFactory(CaseFactory)

    case_id = factory.SelfAttribute("case.id")
    provider = DEFAULT_CARE_DIRECTOR
    cost_cents = 150_000
    start_date = factory.LazyFunction(date.today)
    end_date = factory.LazyFunction(lambda: date.today() + timedelta(days=90))
    status = TrajectoryStatus.ACTIVE.value
    handed_over_by = "Medewerker Nazorg"


class PartnerFactory(BaseFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Regizorg BV {n}")
    kind = PartnerKind.CARE_DIRECTOR.value
    contact_name = "Team zorgregie"
    takes_referrals = True
    takes_trajectories = True
    active = True


class PartnerStaffFactory(BaseFactory):
    class Meta:
        model = PartnerStaff

    class Params:
        partner = factory.SubFactory(PartnerFactory)
        user = factory.SubFactory(UserFactory, role="provider_worker")

    partner_id = factory.SelfAttribute("partner.id")
    user_id = factory.SelfAttribute("user.id")
    bound_by = "Beheerder"


class TrajectoryReportFactory(BaseFactory):
    class Meta:
        model = TrajectoryReport

    class Params:
        trajectory = factory.SubFactory(TrajectoryFactory)

    trajectory_id = factory.SelfAttribute("trajectory.id")
    case_id = factory.SelfAttribute("trajectory.case_id")
    kind = ReportKind.PROGRESS.value
    domain = LifeDomainKind.HOUSING.value
    body = "Kamer bezichtigd."
    reported_by = "Zorgregisseur"


class TrajectoryInvoiceFactory(BaseFactory):
    class Meta:
        model = TrajectoryInvoice

    class Params:
        trajectory = factory.SubFactory(TrajectoryFactory)

    trajectory_id = factory.SelfAttribute("trajectory.id")
    case_id = factory.SelfAttribute("trajectory.case_id")
    amount_cents = 150_000
    invoice_date = factory.LazyFunction(date.today)
    reference = factory.Sequence(lambda n: f"F-{n}")
    status = InvoiceStatus.SUBMITTED.value
    submitted_by = "Zorgregisseur"


# --- notices, jobs, logs and retention ---------------------------------------------------


class NotificationFactory(BaseFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = "release_six_weeks"
    dedupe_key = factory.Sequence(lambda n: f"test-notice-{n}")
    subject = "Vrijlating binnen zes weken"
    body_text = "Een cliënt uit uw caseload komt naar verwachting vrij."
    body_html = "<p>Een cliënt uit uw caseload komt naar verwachting vrij.</p>"
    link = "/cases/"


class OutboxJobFactory(BaseFactory):
    """An outbox row as ``app.jobs.enqueue`` writes it (not handed over by itself)."""

    class Meta:
        model = OutboxJob

    function = "app.notifications.jobs.send_notification_mail"
    queue = "mail"
    arguments = factory.LazyFunction(dict)


class AccessLogEntryFactory(BaseFactory):
    """A case worker opening a case of their own municipality (the log keeps no keys)."""

    class Meta:
        model = AccessLogEntry

    class Params:
        user = factory.SubFactory(UserFactory)
        case = factory.SubFactory(CaseFactory)

    user_id = factory.SelfAttribute("user.id")
    user_name = factory.SelfAttribute("user.display_name")
    actor_tenant_id = factory.SelfAttribute("user.tenant_id")
    role = factory.SelfAttribute("user.role")
    client_id = factory.SelfAttribute("case.client_id")
    object_type = "case"
    object_id = factory.LazyAttribute(lambda o: str(o.case.id))
    action = AccessAction.READ.value
    result = "granted"
    origin = ORIGIN


class TenantSettingFactory(BaseFactory):
    """One stored value of the settings store (a registered key; unique per municipality)."""

    class Meta:
        model = TenantSetting

    key = "retention.closed_case_years"
    value = 10
    version = 1


class DestructionRecordFactory(BaseFactory):
    """A closed case destroyed by the retention sweep: only its former id and counts."""

    class Meta:
        model = DestructionRecord

    rule = "closed_case"
    record_type = "case"
    record_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    due_on = factory.LazyFunction(date.today)
    counts = factory.LazyFunction(lambda: {"cases": 1, "clients": 1, "case_notes": 2})


class CaseTransferFactory(BaseFactory):
    """A finished transfer of a case to another municipality, kept by the sender."""

    class Meta:
        model = CaseTransfer

    transferred_case_id = factory.LazyFunction(uuid.uuid4)
    target_tenant_id = factory.LazyFunction(
        lambda: db.session.scalar(
            db.select(Tenant.id).where(Tenant.id != current_tenant_id(db.session)).limit(1)
        )
    )
    state = TransferState.DONE.value
    actor_name = "Casemanager"
    finished_at = factory.LazyFunction(utcnow)


class IncomingTransferFactory(BaseFactory):
    """A transfer offered to this municipality by another one, waiting for its answer."""

    class Meta:
        model = IncomingTransfer

    case_id = factory.LazyFunction(uuid.uuid4)
    source_tenant_id = factory.LazyFunction(
        lambda: db.session.scalar(
            db.select(Tenant.id).where(Tenant.id != current_tenant_id(db.session)).limit(1)
        )
    )
    source_name = "Zutphen"
    state = IncomingState.OFFERED.value
    reason = "Verhuisd"
    offered_by = "Casemanager Zutphen"
    offer_summary = factory.LazyFunction(lambda: {"given_name": "Jan", "family_name": "Jansen"})


# --- budgets (app/regional) ----------------------------------------------------------------

from app.regional.budget_models import (  # noqa: E402
    BudgetApproval,
    BudgetLine,
    BudgetSource,
    BudgetYear,
    Commitment,
    CommitmentStatus,
)


class BudgetYearFactory(BaseFactory):
    class Meta:
        model = BudgetYear

    year = factory.LazyFunction(lambda: date.today().year)
    trajectory_cost_cents = 150_000
    expected_trajectories = 50


class BudgetLineFactory(BaseFactory):
    class Meta:
        model = BudgetLine

    year = factory.LazyFunction(lambda: date.today().year)
    source = BudgetSource.MUNICIPAL.value
    amount_cents = 7_500_000
    recorded_by = "Beheerder"


class BudgetApprovalFactory(BaseFactory):
    class Meta:
        model = BudgetApproval

    year = factory.LazyFunction(lambda: date.today().year)
    reason = "Extra trajecten door hoge instroom"
    approved_by = "Beheerder"


class CommitmentFactory(BaseFactory):
    class Meta:
        model = Commitment

    trajectory_id = factory.LazyFunction(uuid.uuid4)
    year = factory.LazyFunction(lambda: date.today().year)
    amount_cents = 150_000
    status = CommitmentStatus.COMMITTED.value
    committed_by = "Medewerker Nazorg"


# --- the volunteer programme (rows of the centre municipality) ----------------------------


class VolunteerFactory(BaseFactory):
    class Meta:
        model = Volunteer

    first_name = factory.Sequence(lambda n: f"Vera{n}")
    last_name = "Vrijwilliger"
    email = factory.Sequence(lambda n: f"vera{n}@nazorg-proef.nl")
    postcode = "7411 AB"
    status = VolunteerStatus.APPLIED.value
    capacity = 1
    languages = factory.LazyFunction(lambda: ["nl"])
    availability = factory.LazyFunction(lambda: ["tue:evening"])
    excluded_offences = factory.LazyFunction(list)
    skills = "Jarenlang jongerenwerk."


class TrainingCompletionFactory(BaseFactory):
    class Meta:
        model = TrainingCompletion

    class Params:
        volunteer = factory.SubFactory(VolunteerFactory)

    volunteer_id = factory.SelfAttribute("volunteer.id")
    module = TrainingModule.INTRODUCTION.value
    completed_on = factory.LazyFunction(date.today)


class VolunteerStatusChangeFactory(BaseFactory):
    class Meta:
        model = VolunteerStatusChange

    class Params:
        volunteer = factory.SubFactory(VolunteerFactory)

    volunteer_id = factory.SelfAttribute("volunteer.id")
    from_status = None
    to_status = VolunteerStatus.APPLIED.value
    changed_by = "aanmeldformulier"


class ProgrammeReferralFactory(BaseFactory):
    """A client of Lochem referred to the circle programme (a row of the centre)."""

    class Meta:
        model = ProgrammeReferral

    source_tenant_id = 2
    source_case_id = factory.LazyFunction(uuid.uuid4)
    referred_by_name = "Casemanager Lochem"
    first_name = "Karim"
    municipality = "Lochem"
    languages = factory.LazyFunction(lambda: ["ar", "nl"])
    availability = factory.LazyFunction(lambda: ["tue:evening"])
    needs = "Iemand om mee te praten over werk."
    places_to_avoid = "Het stationsgebied"


class CircleFactory(BaseFactory):
    class Meta:
        model = Circle

    class Params:
        referral = factory.SubFactory(ProgrammeReferralFactory)

    referral_id = factory.SelfAttribute("referral.id")
    coordinator_name = "Cirkel Coördinator"


class CircleMemberFactory(BaseFactory):
    class Meta:
        model = CircleMember

    class Params:
        circle = factory.SubFactory(CircleFactory)
        volunteer = factory.SubFactory(VolunteerFactory)

    circle_id = factory.SelfAttribute("circle.id")
    volunteer_id = factory.SelfAttribute("volunteer.id")
    joined_on = factory.LazyFunction(date.today)


class OuterMemberFactory(BaseFactory):
    class Meta:
        model = OuterMember

    class Params:
        circle = factory.SubFactory(CircleFactory)

    circle_id = factory.SelfAttribute("circle.id")
    name = "Petra Reclassering"
    organisation = "Reclassering Nederland"
    role = "Reclasseringswerker"


class MeetingFactory(BaseFactory):
    class Meta:
        model = Meeting

    class Params:
        member = factory.SubFactory(CircleMemberFactory)

    circle_id = factory.SelfAttribute("member.circle_id")
    volunteer_id = factory.SelfAttribute("member.volunteer_id")
    held_on = factory.LazyFunction(date.today)
    duration_minutes = 90
    present = factory.LazyFunction(list)
    minutes = "Goed gesprek."


class CircleSignalFactory(BaseFactory):
    class Meta:
        model = CircleSignal

    class Params:
        member = factory.SubFactory(CircleMemberFactory)

    circle_id = factory.SelfAttribute("member.circle_id")
    volunteer_id = factory.SelfAttribute("member.volunteer_id")
    level = "informatie"
    body = "Het gaat goed."


# --- the region's grant (app/regional) -------------------------------------------------------

from app.regional.grant_models import (  # noqa: E402
    AccountabilityReport,
    DistributionKey,
    GrantApproval,
    GrantDistribution,
    GrantShare,
    RegionalExpense,
)


class GrantDistributionFactory(BaseFactory):
    class Meta:
        model = GrantDistribution

    year = factory.LazyFunction(lambda: date.today().year)
    total_cents = 25_000_000
    key_kind = DistributionKey.EX_DETAINEES.value
    reference_year = factory.LazyFunction(lambda: date.today().year - 2)
    computed_by = "Coordinator"


class GrantShareFactory(BaseFactory):
    class Meta:
        model = GrantShare

    class Params:
        distribution = factory.SubFactory(GrantDistributionFactory)

    distribution_id = factory.SelfAttribute("distribution.id")
    municipality_id = factory.LazyFunction(lambda: current_tenant_id(db.session))
    municipality_name = "Lochem"
    weight = 21
    share_cents = 2_187_500


class GrantApprovalFactory(BaseFactory):
    class Meta:
        model = GrantApproval

    class Params:
        distribution = factory.SubFactory(GrantDistributionFactory)

    distribution_id = factory.SelfAttribute("distribution.id")
    year = factory.SelfAttribute("distribution.year")
    approved_by = "Coordinator"


class RegionalExpenseFactory(BaseFactory):
    class Meta:
        model = RegionalExpense

    year = factory.LazyFunction(lambda: date.today().year)
    amount_cents = 250_000
    description = "Training vrijwilligers"
    spent_on = factory.LazyFunction(date.today)
    recorded_by = "Coordinator"


class AccountabilityReportFactory(BaseFactory):
    class Meta:
        model = AccountabilityReport

    year = factory.LazyFunction(lambda: date.today().year)
    requested_by = "Coordinator"
    total_steps = 5
    done_steps = 0
    content = factory.LazyFunction(lambda: {"rows": [], "inputs": {}})


class MatchingRunFactory(BaseFactory):
    class Meta:
        model = MatchingRun

    requested_by = "Cirkel Coördinator"
    status = "done"
    result = factory.LazyFunction(lambda: {"proposals": [], "unmatched": []})


class CircleReviewFactory(BaseFactory):
    class Meta:
        model = CircleReview

    class Params:
        circle = factory.SubFactory(CircleFactory)

    circle_id = factory.SelfAttribute("circle.id")
    kind = "quarterly"
    held_on = factory.LazyFunction(date.today)
    summary = "De cirkel loopt goed."
    author_name = "Cirkel Coördinator"
