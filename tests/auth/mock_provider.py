"""A scriptable OpenID provider over real HTTP, for the tokens a real provider never issues.

Serves discovery, the key set and a token endpoint; each test decides which ID token
the token endpoint hands out (expired, wrong audience, unsigned, ...). The browser
part of the flow is skipped: the test reads state and nonce from the authorization
redirect and calls the portal's callback itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class MockProvider:
    client_id: str = "portal-mock"
    client_secret: str = "mock-secret-not-real"  # noqa: S105 - test fixture
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    url: str = ""
    advertised_issuer: str | None = None
    # Replaces entries of the discovery document (e.g. an endpoint on another scheme).
    metadata_overrides: dict = field(default_factory=dict)
    # Called with the token request's form and returns the ID token to hand out.
    id_token_for: Callable[[dict], str] | None = None
    token_requests: list[dict] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return self.url

    def reset(self) -> None:
        self.advertised_issuer = None
        self.metadata_overrides = {}
        self.id_token_for = None
        self.token_requests.clear()

    def claims(self, nonce: str, **overrides) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "medewerker-1",
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Mock Medewerker",
            "nazorg_roles": ["casemanager"],
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict, key: RSAKey | None = None, alg: str = "RS256") -> str:
        key = key or self.key
        return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)

    @staticmethod
    def unsigned(claims: dict) -> str:
        header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{header}.{b64url(json.dumps(claims).encode())}."

    # --- HTTP ------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path == "/.well-known/openid-configuration":
            response = Response(json.dumps(self.metadata()), content_type="application/json")
        elif request.path == "/jwks":
            body = {"keys": [self.key.as_dict(private=False)]}
            response = Response(json.dumps(body), content_type="application/json")
        elif request.path == "/token" and request.method == "POST":
            response = self.token(request)
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def metadata(self) -> dict:
        return {
            **self._metadata(),
            **self.metadata_overrides,
        }

    def _metadata(self) -> dict:
        return {
            "issuer": self.advertised_issuer or self.issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "end_session_endpoint": f"{self.url}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "none"],
            "code_challenge_methods_supported": ["S256"],
        }

    def token(self, request: Request) -> Response:
        form = request.form.to_dict()
        form["authorization"] = request.headers.get("Authorization", "")
        self.token_requests.append(form)
        expected = (
            "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        )
        if form["authorization"] != expected:
            return Response(
                json.dumps({"error": "invalid_client"}), status=401, content_type="application/json"
            )
        id_token = self.id_token_for(form) if self.id_token_for else None
        body = {
            "access_token": "at-" + hashlib.sha256(form["code"].encode()).hexdigest()[:16],
            "token_type": "Bearer",
            "expires_in": 300,
        }
        if id_token is not None:
            body["id_token"] = id_token
        return Response(json.dumps(body), content_type="application/json")


def start(provider: MockProvider):
    server = make_server("127.0.0.1", 0, provider, threaded=True)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
