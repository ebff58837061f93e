"""Starts the npm package oidc-provider (provider.mjs) with one issuer per municipality."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROLES_CLAIM = "nazorg_roles"


@dataclass
class RunningProviders:
    process: subprocess.Popen
    issuers: dict[str, str]
    secrets: dict[str, str]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_providers(portal_url: str, accounts: dict[str, dict[str, dict]]) -> RunningProviders:
    """``accounts``: per municipality slug, login name -> claims. Blocks until all listen."""
    secrets = {slug: f"secret-{slug}-{os.urandom(8).hex()}" for slug in accounts}
    config = {
        "rolesClaim": ROLES_CLAIM,
        "issuers": [
            {
                "name": slug,
                "accounts": people,
                "clients": [
                    {
                        "client_id": f"portal-{slug}",
                        "client_secret": secrets[slug],
                        "redirect_uris": [f"{portal_url}/auth/{slug}/callback"],
                        "post_logout_redirect_uris": [f"{portal_url}/auth/signed-out"],
                    }
                ],
            }
            for slug, people in accounts.items()
        ],
    }
    return launch(config, secrets)


def launch(config: dict, secrets: dict[str, str]) -> RunningProviders:
    """provider.mjs with ``config``; blocks until every issuer listens."""
    process = subprocess.Popen(
        ["node", str(ROOT / "tests/oidc/provider.mjs")],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    process.stdin.write(json.dumps(config))
    process.stdin.close()
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        raise RuntimeError(f"oidc-provider did not start: {line!r}")
    return RunningProviders(process, json.loads(line[len("READY ") :]), secrets)
