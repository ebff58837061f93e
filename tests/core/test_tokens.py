"""One token hash: every secret token is stored as the same hash."""

import hashlib

from app.core.tokens import hash_token, new_token, token_matches


def test_new_tokens_are_long_and_distinct():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(token) >= 43 for token in tokens)  # 32 bytes, URL-safe base64


def test_hash_is_sha256_hex_of_the_token():
    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()
    assert len(hash_token(new_token())) == 64


def test_token_matches_only_its_own_hash():
    token = new_token()
    assert token_matches(hash_token(token), token)
    assert not token_matches(hash_token(token), token + "x")
    assert not token_matches(None, token)
    assert not token_matches("", token)
