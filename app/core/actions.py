"""The one action path of an HTML form: a view parses, calls ``act`` with the service call
and says how to render; ``act`` owns the transaction and the answers.

- success: commit, an optional flash message, the view's ``done(result)`` (a redirect
  or an htmx fragment);
- a rule refused the change (``Refused``): rollback, ``refused(error, 422)``;
- someone else saved in the meantime (``Conflict`` from ``check_version``, the ORM's
  ``StaleDataError`` from a version column, a deadlock or serialization failure):
  rollback, ``refused(error, 409)``, the view shows the user's input beside the saved
  version (the rolled-back rows read the saved state again);
- a lost race on a unique key (two clicks of one create form, ``IntegrityError``): rollback
  and run the service call once more, which now finds the winner's row (``create_once``)
  or a newer version (409); the loser answers with the winner's result.

Services flush and never commit. ``check_version`` and ``create_once`` are the one way to
do optimistic locking and one-time submission keys.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db

T = TypeVar("T")

# PostgreSQL's deadlock_detected and serialization_failure: two saves of one thing at once.
RACE_CODES = {"40P01", "40001"}


def conflict_message():
    return _(
        "Someone else saved this in the meantime. Your changes have not been saved yet: "
        "compare them with the saved version below and save again."
    )


class Refused(Exception):
    """A rule refused the change; ``message`` is for the user, ``field`` where it belongs."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(Refused):
    """The change was based on an older version than the one saved since.

    ``current`` is the row as saved now (when known), to show beside the user's input.
    """

    def __init__(self, message=None, current=None, field: str | None = None) -> None:
        super().__init__(message if message is not None else conflict_message(), field)
        self.current = current


# --- optimistic locking --------------------------------------------------------------------


def check_version(row, expected_version: int | None) -> None:
    """Refuse a change made on a form loaded at another version than the row's.

    ``None`` means the caller is no form (a job, the intake): the version column still
    refuses a write that raced in between load and flush (``StaleDataError``)."""
    if expected_version is not None and row.version != expected_version:
        raise Conflict(current=row)


def flush_or_conflict(row) -> None:
    """Flush now; a concurrent save that slipped in after we loaded is a ``Conflict`` that
    carries the row as saved by the other (for callers that need it before the commit)."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        fresh = db.session.get(type(row), (row.tenant_id, row.id), populate_existing=True)
        raise Conflict(current=fresh) from None


# --- one row per submitted form --------------------------------------------------------------


def saved_submission(model, submission_key: uuid.UUID | None):
    """The row an earlier POST of the same form (its one-time key) created, if any."""
    if submission_key is None:
        return None
    return db.session.scalars(
        select(model).where(model.submission_key == submission_key)
    ).one_or_none()


def create_once(
    model, submission_key: uuid.UUID | None, build: Callable[[], Any]
) -> tuple[Any, bool]:
    """The row of the form posted with ``submission_key``: (the earlier row, False) when the
    form was posted before, or (``build()``'s new row, inserted now, True).

    ``build`` checks the rules and returns an unsaved row (it does not add it). A concurrent
    POST of the same form that inserts first wins: the unique (tenant_id, submission_key)
    keeps one, this insert is undone to a savepoint and the winner's row is returned."""
    earlier = saved_submission(model, submission_key)
    if earlier is not None:
        return earlier, False
    row = build()
    row.submission_key = submission_key
    if submission_key is None:
        db.session.add(row)
        return row, True
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        earlier = saved_submission(model, submission_key)
        if earlier is None:
            raise
        return earlier, False
    return row, True


# --- the action ------------------------------------------------------------------------------


def _is_race(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in RACE_CODES


def commit(work: Callable[[], T]) -> T:
    """Run ``work`` and commit; a lost unique-key race runs it once more (see the module).

    Raises ``Refused`` (rolled back) for a refusal or a conflict."""
    for attempt in (1, 2):
        try:
            result = work()
            db.session.commit()
            return result
        except Refused:
            db.session.rollback()
            raise
        except StaleDataError:
            db.session.rollback()
            raise Conflict() from None
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
        except DBAPIError as error:
            db.session.rollback()
            if _is_race(error):
                raise Conflict() from None
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def act(
    work: Callable[[], T],
    *,
    done: Callable[[T], Any],
    refused: Callable[[Refused, int], Any],
    message=None,
):
    """Run the service call ``work`` in the request's transaction and answer.

    ``done(result)`` after the commit; ``refused(error, status)`` after the rollback with
    422 (a rule) or 409 (a conflict). ``message`` is flashed on success, shown on the next
    full page."""
    try:
        result = commit(work)
    except Conflict as error:
        return refused(error, 409)
    except Refused as error:
        return refused(error, 422)
    if message is not None:
        flash(str(message), "ok")
    return done(result)
