"""Provider URLs are judged by parsing, never by how they start."""

from __future__ import annotations

import pytest

from app.auth.urls import issuer_problem, url_problem


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        # The two that passed the old prefix rule: the host is after the @.
        ("http://127.0.0.1@127.0.0.2:5109", "userinfo"),
        ("http://localhost@evil.example/", "userinfo"),
        ("https://login.example.nl@evil.example/", "userinfo"),
        ("https://user:pass@login.example.nl/", "userinfo"),
        ("https://@login.example.nl/", "userinfo"),
        ("http://localhost.evil.example/", "scheme"),
        ("http://127.0.0.1.nip.io/", "scheme"),
        ("http://login.example.nl/", "scheme"),
        ("ftp://login.example.nl/", "scheme"),
        ("javascript:alert(1)", "host"),
        ("https://", "host"),
        ("https:///path", "host"),
        ("https://evil_example!/", "host"),
        ("https://login.example.nl/#x", "fragment"),
        ("https://login.example.nl/#", "fragment"),
        ("https://login.example.nl:99999/", "malformed"),
        ("https://login.example.nl:port/", "malformed"),
        ("https://login.example.nl/a b", "malformed"),
        ("https://login.example.nl\\@evil.example/", "malformed"),
        ("https://login.example.nl/\n", "malformed"),
        ("", "malformed"),
    ],
)
def test_unsafe_urls_are_named_by_what_is_wrong(url, problem):
    assert url_problem(url, loopback_http=True) == problem


@pytest.mark.parametrize(
    "url",
    [
        "https://login.example.nl",
        "https://login.example.nl/realms/zutphen",
        "HTTPS://Login.Example.NL/",
        "https://login.example.nl:8443/oidc",
        "https://[2001:db8::1]/",
        "https://10.0.0.5/",
    ],
)
def test_https_urls_pass(url):
    assert url_problem(url, loopback_http=False) is None


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:5109", "http://localhost:8080/x", "http://[::1]:9000/", "http://127.0.0.2/"],
)
def test_plain_http_is_only_for_loopback_and_only_where_allowed(url):
    assert url_problem(url, loopback_http=True) is None
    assert url_problem(url, loopback_http=False) == "scheme"


def test_an_issuer_has_no_query_but_an_endpoint_may():
    assert issuer_problem("https://login.example.nl/?tenant=1", loopback_http=False) == "query"
    assert url_problem("https://login.example.nl/auth?x=1", loopback_http=False) is None
