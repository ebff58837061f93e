"""The grant's distribution: largest remainder, exact sum, within a cent, stated ties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.regional.distribution import distribute

weights = st.dictionaries(
    st.sampled_from(["deventer", "lochem", "olst-wijhe", "raalte", "zutphen"]),
    st.integers(min_value=0, max_value=10_000),
    min_size=1,
).filter(lambda w: sum(w.values()) > 0)


@given(total=st.integers(min_value=0, max_value=2**31 - 1), key=weights)
def test_shares_are_never_negative_add_up_and_are_within_a_cent(total, key):
    shares = distribute(total, key)
    assert set(shares) == set(key)
    assert sum(shares.values()) == total
    whole = sum(key.values())
    for name, share in shares.items():
        assert share >= 0
        assert abs(Fraction(share) - Fraction(total * key[name], whole)) < 1


def test_ties_go_to_the_larger_weight_then_alphabetically():
    # 100 cents over three equal weights: 33 each, the one left goes to the first name.
    assert distribute(100, {"zutphen": 1, "lochem": 1, "raalte": 1}) == {
        "zutphen": 33,
        "lochem": 34,
        "raalte": 33,
    }
    # 2 cents over weights 1 and 3: 0.5 and 1.5, equal remainders; the larger weight wins.
    assert distribute(2, {"a": 1, "b": 3}) == {"a": 0, "b": 2}
    assert distribute(1, {"a": 1, "b": 1}) == {"a": 1, "b": 0}


def test_the_plan_example_distributes_the_grant_exactly():
    grant = 25_000_000
    ex_detainees = {"deventer": 143, "lochem": 21, "olst-wijhe": 12, "raalte": 25, "zutphen": 39}
    shares = distribute(grant, ex_detainees)
    assert sum(shares.values()) == grant and shares["deventer"] > shares["zutphen"]


def test_bad_keys_are_refused():
    with pytest.raises(ValueError):
        distribute(100, {"a": 0})
    with pytest.raises(ValueError):
        distribute(100, {"a": -1, "b": 2})
