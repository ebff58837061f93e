"""What other features may use of accounts and sign-in."""

from app.auth.accounts import identity_provider
from app.auth.demo import DEMO_ISSUER
from app.auth.events import record_security_event
from app.auth.local import INVITE, LOCAL_ISSUER, normalise_email
from app.auth.local import _issue_token as issue_account_token
from app.auth.mail import send_account_link
from app.auth.models import IdentityProvider, User
from app.auth.oidc import secret_variable_allowed, secret_variable_prefix

__all__ = [
    "DEMO_ISSUER",
    "INVITE",
    "LOCAL_ISSUER",
    "IdentityProvider",
    "User",
    "identity_provider",
    "issue_account_token",
    "normalise_email",
    "record_security_event",
    "secret_variable_allowed",
    "secret_variable_prefix",
    "send_account_link",
]
