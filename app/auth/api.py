"""What other features may use of accounts and sign-in."""

from app.auth.demo import DEMO_ISSUER
from app.auth.models import User

__all__ = ["DEMO_ISSUER", "User"]
