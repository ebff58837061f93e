"""The demo's OpenID providers (``scripts/demo``): the test suite's provider.mjs, one issuer
per municipality of the Deventer region on fixed ports, with a few demo accounts whose
roles claim holds the portal's role names (the default role mapping of onboarding).

``python -m tests.oidc.demo FIRST_PORT PORTAL_URL`` prints the provider's JSON
configuration; the secrets come from ``OIDC_SECRET_<SLUG>`` in the environment."""

from __future__ import annotations

import json
import os
import sys

from app.auth.oidc import secret_variable_prefix
from app.lifecycle.onboarding import REGION_DEFAULTS

ROLES_CLAIM = "roles"  # IdentityProvider.roles_claim's default


def demo_accounts(slug: str, name: str, centre: bool) -> dict[str, dict]:
    """Login name -> claims. Any password is accepted on the provider's login page."""
    people = {
        "casemanager": {
            "name": f"Casemanager {name}",
            "email": f"casemanager@{slug}.example",
            ROLES_CLAIM: ["case_worker"],
        },
        "beheerder": {
            "name": f"Beheerder {name}",
            "email": f"beheerder@{slug}.example",
            ROLES_CLAIM: ["tenant_admin"],
        },
    }
    if centre:
        people["regiocoordinator"] = {
            "name": f"Regiocoördinator {name}",
            "email": f"regio@{slug}.example",
            ROLES_CLAIM: ["regional_coordinator"],
        }
    return people


def issuer_config(slug: str, name: str, centre: bool, port: int, secret: str, portal: str):
    """``port`` 0: any free port (the tests read the issuers from the READY line)."""
    return {
        "name": slug,
        "port": port,
        "accounts": demo_accounts(slug, name, centre),
        "clients": [
            {
                "client_id": f"portal-{slug}",
                "client_secret": secret,
                "redirect_uris": [f"{portal}/auth/{slug}/callback"],
                "post_logout_redirect_uris": [f"{portal}/auth/signed-out"],
            }
        ],
    }


def demo_config(first_port: int | None, portal: str, secrets: dict[str, str]) -> dict:
    """The provider.mjs configuration: the n-th municipality on ``first_port + n``, as
    ``flask tenants add-region-defaults --oidc-first-port`` configures the portal;
    ``first_port`` None: free ports."""
    return {
        "rolesClaim": ROLES_CLAIM,
        "rolesInProfile": True,
        "issuers": [
            issuer_config(
                row["slug"],
                row["name"],
                row["centre"],
                0 if first_port is None else first_port + number,
                secrets[row["slug"]],
                portal,
            )
            for number, row in enumerate(REGION_DEFAULTS)
        ],
    }


if __name__ == "__main__":
    first, portal_url = int(sys.argv[1]), sys.argv[2]
    found = {
        row["slug"]: os.environ[secret_variable_prefix(row["slug"])] for row in REGION_DEFAULTS
    }
    print(json.dumps(demo_config(first, portal_url, found)))
