"""The tenant admin's page to merge two clients of the municipality (``cases.merge``)."""

from __future__ import annotations

from flask import redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.cases import merge
from app.cases.blueprint import bp
from app.core.actions import act
from app.core.forms import Flag, Form, TextField
from app.core.permissions import Permission, requires
from app.core.rendering import render

NINE_DIGITS = _l("Enter the nine digits of a citizen number.")


class MergeForm(Form):
    survivor_bsn = TextField(
        _l("Citizen number of the client that stays"),
        required=True,
        required_message=NINE_DIGITS,
        max_length=9,
    )
    merged_bsn = TextField(
        _l("Citizen number of the client merged into it"),
        required=True,
        required_message=NINE_DIGITS,
        max_length=9,
    )
    reason = TextField(
        _l("Reason"),
        required=True,
        required_message=_l("Write down why."),
        max_length=merge.REASON_LENGTH,
    )
    confirm = Flag(_l("I have checked that both records are of one person"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in (self.survivor_bsn, self.merged_bsn):
            # isascii: "٣" passes isdigit(); a citizen number is written in 0-9 only.
            if field.data and not (
                field.data.isascii() and field.data.isdigit() and len(field.data) == 9
            ):
                field.errors = [NINE_DIGITS]
                valid = False
        if not self.confirm.data and not self.confirm.errors:
            self.confirm.errors = [_l("Confirm that both records are of one person.")]
            valid = False
        return valid


def _page(form: MergeForm, status: int = 200, alert=None):
    return render("cases/client_merge.html", form=form, alert=alert, status=status)


@bp.route("/admin/clients/merge", methods=["GET", "POST"])
@requires(Permission.TENANT_ADMIN)
def client_merge():
    form = MergeForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, 422)

    def done(ids):
        merge.report_merge(current_user, *ids)
        return redirect(url_for("cases.client_merge"))

    def refused(error, status):
        if error.field and error.field in form:
            form[error.field].errors = [error.message]
            return _page(form, status)
        return _page(form, status, alert=error.message)

    return act(
        lambda: merge.merge_clients(
            current_user, form.survivor_bsn.data, form.merged_bsn.data, form.reason.data
        ),
        done=done,
        refused=refused,
        message=_l("The clients have been merged."),
    )
