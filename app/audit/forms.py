from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

RANGE = _l("Choose a number from %(min)s to %(max)s.")


class RetentionForm(FlaskForm):
    closed_case_years = IntegerField(
        _l("Closed case files: years after closing"),
        validators=[InputRequired(), NumberRange(1, 30, message=RANGE)],
    )
    detention_notice_months = IntegerField(
        _l("Notices of detention start and end: months after release"),
        validators=[InputRequired(), NumberRange(1, 24, message=RANGE)],
    )
    access_log_years = IntegerField(
        _l("Access log: years"), validators=[InputRequired(), NumberRange(1, 20, message=RANGE)]
    )
    security_log_years = IntegerField(
        _l("Security log: years"), validators=[InputRequired(), NumberRange(1, 20, message=RANGE)]
    )
