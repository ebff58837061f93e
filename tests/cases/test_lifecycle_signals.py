"""The case's lifecycle signals (app.core.signals): whoever listens hears a release, a
transfer about to copy the case, and every record the retention destroys."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from app.cases import release, retention
from app.cases.models import Case
from app.cases.transfer import transfer_case
from app.core.signals import case_destroyed, case_released, case_transferring
from app.extensions import db


@contextmanager
def listening(signal):
    heard: list[tuple[object, dict]] = []

    def receiver(sender, **data):
        heard.append((sender, data))
        return {}

    signal.connect(receiver)
    try:
        yield heard
    finally:
        signal.disconnect(receiver)


def load(case):
    return db.session.get(Case, (case.tenant_id, case.id))


def test_a_recorded_release_is_announced_with_its_case(tenants, in_tenant, make_case):
    case = make_case(tenants["lochem"], expected_release=date.today())
    with in_tenant(tenants["lochem"]), listening(case_released) as heard:
        release.record_release(load(case), date.today(), "Anouk")
        [(sender, data)] = heard
        assert sender.id == case.id and data["released_on"] == date.today()


def test_a_transfer_announces_its_case_and_receiver_before_the_copy(tenants, in_tenant, make_case):
    case = make_case(tenants["zutphen"])
    with in_tenant(tenants["zutphen"]), listening(case_transferring) as heard:
        transfer_case(load(case), tenants["deventer"].id, "Bas", "Verhuisd")
    [(sender, data)] = heard
    assert sender.id == case.id and data["to_tenant_id"] == tenants["deventer"].id


def test_the_retention_announces_every_case_and_client_it_destroys(tenants, in_tenant, make_case):
    case = make_case(tenants["raalte"])
    with in_tenant(tenants["raalte"]):
        loaded = load(case)
        loaded.destroy_on = date.today() - timedelta(days=1)
        client_id = loaded.client_id
        db.session.flush()
        with listening(case_destroyed) as heard:
            retention.destroy_case(loaded, "closed_case", loaded.destroy_on)
        assert sorted(str(data["record_id"]) for _s, data in heard) == sorted(
            [str(case.id), str(client_id)]
        )
