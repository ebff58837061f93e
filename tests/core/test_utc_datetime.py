"""One UTC datetime column type: aware UTC out, naive refused in, on every dialect."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import DateTime

from app.auth.models import PendingSignIn
from app.core.db import Base, UTCDateTime
from app.extensions import db

AMSTERDAM_WINTER = timezone(timedelta(hours=1))


def _datetime_columns():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, DateTime | UTCDateTime):
                yield column


def test_every_datetime_column_of_every_model_is_utc_datetime():
    columns = list(_datetime_columns())
    assert columns, "the models have datetime columns"
    plain = [f"{c.table.name}.{c.name}" for c in columns if not isinstance(c.type, UTCDateTime)]
    assert plain == []


def test_naive_datetimes_are_refused_on_the_way_in():
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 12, 1, 12, 0), None)


def test_aware_datetimes_are_stored_as_utc():
    winter = datetime(2026, 12, 1, 13, 0, tzinfo=AMSTERDAM_WINTER)
    stored = UTCDateTime().process_bind_param(winter, None)
    assert stored == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_a_round_trip_through_the_database_returns_aware_utc(app):
    """SQLite hands back naive datetimes and PostgreSQL the session's zone: both come out UTC."""
    moment = datetime(2026, 12, 1, 13, 30, tzinfo=AMSTERDAM_WINTER)
    with app.app_context():
        db.session.add(PendingSignIn(key="utc-round-trip", value="x", expires_at=moment))
        db.session.commit()
        try:
            db.session.expire_all()
            value = db.session.get(PendingSignIn, "utc-round-trip").expires_at
        finally:
            db.session.execute(
                sa.delete(PendingSignIn).where(PendingSignIn.key == "utc-round-trip")
            )
            db.session.commit()
    assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
    assert value == moment
