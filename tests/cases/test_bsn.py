from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.cases.bsn import generate_bsn, mask_bsn, passes_eleven_test


@pytest.mark.parametrize("number", ["111222333", "123456782", "999999990", "100000009"])
def test_known_valid_numbers_pass(number):
    assert passes_eleven_test(number)


@pytest.mark.parametrize(
    "number",
    [
        "123456789",
        "000000000",
        "11122233",
        "1112223334",
        "11122233a",
        "",
        " 11122233",
        "１１１２２２３３３",
    ],
)
def test_known_invalid_numbers_fail(number):
    assert not passes_eleven_test(number)


@given(st.text(max_size=12))
def test_only_nine_ascii_digits_with_the_eleven_test_pass(value):
    if passes_eleven_test(value):
        assert len(value) == 9 and value.isascii() and value.isdigit()
        weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
        assert sum(int(d) * w for d, w in zip(value, weights, strict=True)) % 11 == 0
        assert value != "000000000"


@given(st.integers(min_value=0, max_value=10**6))
def test_generated_numbers_pass(seed):
    assert passes_eleven_test(generate_bsn(random.Random(seed)))


def test_mask_shows_only_the_last_three_digits():
    assert mask_bsn("111222333") == "******333"
