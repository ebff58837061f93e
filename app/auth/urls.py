"""Is a URL of an identity provider safe to send people or requests to? Judged by parsing.

A prefix test ("starts with https://", "starts with http://localhost") is passed by
``http://localhost@evil.example/``: everything before the ``@`` is a user name, and the
host is ``evil.example``. So the URL is split (``urllib.parse.urlsplit``) and every part
judged: the scheme is https (plain http only to a loopback host, and only in the
development and testing configs, where the test providers run); there is a host name
made of the characters a host name has, or an IP address; no user name or password;
no fragment; a port that is a port. The issuer itself also has no query (OpenID
Connect Discovery 1.0, section 3).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from flask import current_app

# Letters, digits, hyphens and dots: what DNS names hold (IDNs arrive as punycode).
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$"
)
LOOPBACK_NAMES = {"localhost"}


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    address = _ip(host)
    return host in LOOPBACK_NAMES if address is None else address.is_loopback


def url_problem(url: str, *, loopback_http: bool, query_allowed: bool = True) -> str | None:
    """None when ``url`` may be used; otherwise what is wrong with it (a code for the log
    and for choosing the Dutch message): ``malformed``, ``scheme``, ``userinfo``, ``host``,
    ``fragment`` or ``query``."""
    if not isinstance(url, str) or not url:
        return "malformed"
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F or char == "\\" for char in url):
        return "malformed"  # browsers and HTTP libraries read these differently
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        return "malformed"
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        return "userinfo"
    host = (parts.hostname or "").lower()
    if not host or (_ip(host) is None and not _HOST_NAME.match(host)):
        return "host"
    scheme = parts.scheme.lower()
    if not (scheme == "https" or (scheme == "http" and loopback_http and is_loopback(host))):
        return "scheme"
    if parts.fragment or "#" in url:
        return "fragment"
    if parts.query and not query_allowed:
        return "query"
    return None


def issuer_problem(issuer: str, *, loopback_http: bool) -> str | None:
    return url_problem(issuer, loopback_http=loopback_http, query_allowed=False)


def portal_url(path: str) -> str:
    """The portal's own address for ``path`` (from ``url_for``), built on ``PORTAL_BASE_URL``
    and never on the request's Host or X-Forwarded-Host header, which a client chooses:
    the redirect URI sent to a provider and the address it sends people back to."""
    if "://" in path:
        raise ValueError("portal_url takes a path, not a full URL")
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + path
