"""Errors the case services raise; views turn them into Dutch messages."""

from __future__ import annotations


class CaseError(Exception):
    """A rule of the aftercare file refused the change; ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(CaseError):
    pass


class EditConflict(CaseError):
    """The form was based on an older version than the one saved since.

    ``current`` is the row as saved now, so the view can show both versions and
    keep the user's input in the form.
    """

    def __init__(self, message: str, current) -> None:
        super().__init__(message)
        self.current = current
