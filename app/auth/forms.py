from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.core.forms import AsciiRegexp, Flag, TextField
from app.core.permissions import Role

CODE = AsciiRegexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter the 6-digit code from your app."))


class PasswordStepForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Email(check_deliverability=False)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class CodeStepForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), CODE])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), CODE])


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Email(check_deliverability=False)]
    )


class InviteForm(FlaskForm):
    # TextField (app.core.forms): a text too long or with control characters is refused
    # with a message next to it, never cut; surrounding white space is dropped.
    display_name = TextField(_l("Name"), required=True, max_length=200)
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=320)],
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.VOLUNTEER.value, _l("Volunteer")),
            SelectChoice(Role.PROVIDER_WORKER.value, _l("Provider worker")),
        ],
    )


class IdentityProviderForm(FlaskForm):
    issuer = TextField(_l("Issuer (URL)"), required=True, max_length=500)
    client_id = TextField(_l("Client ID"), required=True, max_length=255)
    client_secret_ref = TextField(
        _l("Environment variable holding the client secret"),
        required=True,
        max_length=100,
        validators=[
            AsciiRegexp(r"^[A-Z][A-Z0-9_]*$", message=_l("Use capitals, digits and _ only.")),
        ],
    )
    scopes = TextField(_l("Scopes"), required=True, max_length=255)
    roles_claim = TextField(_l("Claim with groups or roles"), required=True, max_length=100)
    role_mapping = TextAreaField(
        _l("Role mapping (one per line: value = role)"), validators=[DataRequired()]
    )
    required_acr = TextField(_l("Required acr value (second factor)"), max_length=255)
    enabled = Flag(_l("Sign-in through this provider is on"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value) for r in Role])
