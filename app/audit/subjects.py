"""Whose access the log reports: the feature that keeps the client's file names its root
model and how to find a client by citizen number; the accounts feature names how to find
an employee. Registered in their ``init_app``; the audit package names neither."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

KEY = "nazorg.audit_subjects"


@dataclass
class Subjects:
    client_model: type | None = None
    find_client_by_bsn: Callable[[str], object | None] | None = None
    access_employee: Callable[[object, object], object] | None = None
    list_employees: Callable[[], list] | None = None


def register_subjects(app: Flask, **found) -> None:
    subjects = app.extensions.setdefault(KEY, Subjects())
    for name, value in found.items():
        if not hasattr(subjects, name):
            raise TypeError(f"unknown subject hook {name!r}")
        setattr(subjects, name, value)


def subjects() -> Subjects:
    return current_app.extensions.setdefault(KEY, Subjects())
