"""Errors the case services raise; the action path (``app.core.actions``) turns them into
Dutch answers: a refusal (422) or, for a conflict, 409."""

from __future__ import annotations

from app.core.actions import Conflict, Refused


class CaseError(Refused):
    """A rule of the aftercare file refused the change; ``message`` is for the user."""


class InvalidTransition(CaseError):
    pass


class EditConflict(Conflict, CaseError):
    """The form was based on an older version than the one saved since.

    ``current`` is the row as saved now, so the view can show both versions and
    keep the user's input in the form.
    """

    def __init__(self, message=None, current=None) -> None:
        Conflict.__init__(self, message, current)
