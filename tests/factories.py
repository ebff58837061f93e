"""factory-boy factories for every model; create them inside ``in_tenant(...)``.

The session is the tenant-bound ``db.session`` of the current app context, so
the flush hook stamps ``tenant_id`` exactly as in a request.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.auth.models import User
from app.cases.bsn import generate_bsn
from app.cases.models import Case, Client, DomainStatus, LifeDomain
from app.core.permissions import Role
from app.extensions import db
from app.jobs.models import OutboxJob
from app.notifications.models import Notification

_rng = random.Random(11)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    display_name = factory.Sequence(lambda n: f"Medewerker {n}")
    email = factory.Sequence(lambda n: f"medewerker{n}@example.invalid")
    role = Role.CASE_WORKER.value
    issuer = "https://idp.example.invalid"
    subject = factory.Sequence(lambda n: f"subject-{n}")
    active = True


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


class LifeDomainFactory(BaseFactory):
    class Meta:
        model = LifeDomain

    case = factory.SubFactory(CaseFactory)
    domain = "housing"
    status = DomainStatus.UNKNOWN.value


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

    function = "app.mail.jobs.send_notification_mail"
    queue = "mail"
    arguments = factory.LazyFunction(dict)
