"""The case's lifecycle, as blinker signals: features and platform packages listen
without the aftercare file knowing them.

- ``case_released``: sender the case, after the release was recorded (flushed).
- ``release_changed``: sender the case, after its expected release moved or its release
  was recorded or corrected (flushed, not committed); keywords ``cause``
  (``release_moved``, ``released`` or ``release_corrected``) and ``actor``. What is
  dated from the release follows it (the referrals whose help starts after it).
- ``case_transferring``: sender the case in the sender's session, before it is copied;
  keyword ``to_tenant_id``.
- ``case_destroyed``: sender the retention sweep, keyword ``record_id`` for every case
  and client id destroyed: whoever keeps a copy that names it (jobs, notices) forgets it
  and answers with ``{table: rows removed}``.
- ``trajectory_handed_over``: sender the new trajectory (flushed), keyword ``actor``; a
  receiver may refuse the hand-over by raising ``Refused`` (the budget does).
- ``trajectory_status_changed``: sender the trajectory after a status change, keyword
  ``actor`` (a cancellation releases its commitment).
- ``trajectory_invoice_approved``: sender the approved invoice of the care director
  (flushed), keywords ``trajectory_id``, ``amount_cents``, ``invoice_date``, ``reference``
  and ``actor``; the budget turns the trajectory's commitment into spending (and may
  refuse by raising ``Refused``).
- ``consent_recorded``: sender the case, after a sharing basis of one of its life domains
  was recorded (flushed, not committed); keywords ``basis`` and ``actor`` (a name). The
  volunteer programme removes its copy when the consent for sharing with volunteers is
  gone.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
case_released = _signals.signal("case-released")
release_changed = _signals.signal("release-changed")
case_transferring = _signals.signal("case-transferring")
case_destroyed = _signals.signal("case-destroyed")
trajectory_handed_over = _signals.signal("trajectory-handed-over")
trajectory_status_changed = _signals.signal("trajectory-status-changed")
trajectory_invoice_approved = _signals.signal("trajectory-invoice-approved")
consent_recorded = _signals.signal("consent-recorded")
