"""Consent as a capability of the file (app.cases.api.shareable_domains): per recipient
kind, which life domains of which cases may be shared, for many cases in one query."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from app.cases.api import Recipient, shareable_domains
from app.extensions import db
from tests.factories import CaseFactory, DomainConsentFactory

GIVEN, WITHDRAWN, STATUTORY = "consent_given", "consent_withdrawn", "statutory"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def record(case, domain: str, *bases: str) -> None:
    """Record ``bases`` for ``domain`` one after another (a day apart: the order is sure)."""
    db.session.flush()  # the case first: the recordings name it by a composite key only
    for day, basis in enumerate(bases):
        DomainConsentFactory(
            case=case,
            domain=domain,
            basis=basis,
            effective_on=date(2026, 1, 5) + timedelta(days=day),
            recorded_at=START + timedelta(days=day),
        )


def expected(history: tuple[str, ...], recipient: Recipient) -> bool:
    """The rule as ../shared/DOMAIN.md says it, written out independently of the query."""
    if recipient is Recipient.VOLUNTEER_PROGRAMME:
        consents = [basis for basis in history if basis != STATUTORY]
        return bool(consents) and consents[-1] == GIVEN
    return bool(history) and history[-1] in (GIVEN, STATUTORY)


HISTORIES = [()] + [
    history
    for length in (1, 2, 3)
    for history in itertools.product((GIVEN, WITHDRAWN, STATUTORY), repeat=length)
]


@pytest.mark.parametrize("recipient", list(Recipient))
def test_every_history_of_recordings_gives_the_rule_of_its_recipient(tenants, in_tenant, recipient):
    with in_tenant(tenants["raalte"]):
        cases = []
        for history in HISTORIES:
            case = CaseFactory()
            record(case, "housing", *history)
            cases.append((case, history))
        answer = shareable_domains([case.id for case, _h in cases], recipient)
    for case, history in cases:
        assert ("housing" in answer[case.id]) is expected(history, recipient), history


def test_a_statutory_basis_counts_for_partners_and_the_care_director_only(tenants, in_tenant):
    with in_tenant(tenants["lochem"]):
        case = CaseFactory()
        record(case, "income", STATUTORY)
        record(case, "care", GIVEN)
        record(case, "debts", GIVEN, STATUTORY)  # consent given earlier still holds
        record(case, "housing", GIVEN, WITHDRAWN, STATUTORY)
        for recipient in (Recipient.PARTNER, Recipient.CARE_DIRECTOR):
            assert shareable_domains([case.id], recipient) == {
                case.id: {"income", "care", "debts", "housing"}
            }
        assert shareable_domains([case.id], Recipient.VOLUNTEER_PROGRAMME) == {
            case.id: {"care", "debts"}
        }


def test_cases_without_recordings_and_other_municipalities_cases_share_nothing(tenants, in_tenant):
    with in_tenant(tenants["zutphen"]):
        foreign = CaseFactory()
        record(foreign, "care", GIVEN)
    with in_tenant(tenants["deventer"]):
        bare = CaseFactory()
        answer = shareable_domains([bare.id, foreign.id], "partner")
    assert answer == {bare.id: set(), foreign.id: set()}
    assert shareable_domains([], Recipient.PARTNER) == {}


def test_an_unknown_recipient_kind_is_refused(tenants, in_tenant):
    with in_tenant(tenants["deventer"]), pytest.raises(ValueError):
        shareable_domains([], "neighbour")


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "SELECT SET_CONFIG")):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_fifty_cases_take_as_many_statements_as_one(tenants, in_tenant):
    with in_tenant(tenants["olst-wijhe"]):
        cases = [CaseFactory() for _ in range(50)]
        for case in cases:
            record(case, "care", GIVEN)
            record(case, "housing", STATUTORY)
        db.session.flush()
        with counted_statements() as one:
            single = shareable_domains([cases[0].id], Recipient.PARTNER)
        with counted_statements() as fifty:
            many = shareable_domains([case.id for case in cases], Recipient.PARTNER)
    assert single == {cases[0].id: {"care", "housing"}}
    assert all(domains == {"care", "housing"} for domains in many.values()) and len(many) == 50
    assert len(one) == len(fifty) == 1
