from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from app.core.forms import AsciiRegexp

RANGE = _l("Choose a number from %(min)s to %(max)s.")
NINE_DIGITS = _l("Enter the nine digits of a citizen number.")


def _digits_only(value: str | None) -> str | None:
    # People copy numbers written as 1234.56.789 or with spaces.
    return value.replace(" ", "").replace(".", "").strip() if isinstance(value, str) else value


class ClientLookupForm(FlaskForm):
    """The privacy officer's lookup by citizen number: posted, so the number stays out of
    URLs (browser history, proxy and server logs)."""

    bsn = StringField(
        _l("Citizen number"),
        filters=[_digits_only],
        validators=[
            InputRequired(message=NINE_DIGITS),
            AsciiRegexp(r"^[0-9]{9}$", message=NINE_DIGITS),
        ],
        render_kw={"inputmode": "numeric"},
    )
