"""New passwords are judged by how easily they are guessed; hashing costs per config."""

from __future__ import annotations

import random
import string

import pytest
from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY

from app.auth import passwords
from app.auth.passwords import PasswordRejected, check_new_password
from config import ProductionConfig, load_settings

PERSONAL = ("vera@example.org", "Vera", "Vrijwilliger")
# Words a person might string together; none is personal to the test account.
WORDS = (
    "lantaarn", "rivier", "wolken", "fiets", "kastanje", "molen", "haring", "zeilboot",
    "tulpenveld", "dijkgraaf", "pannenkoek", "regenjas", "vuurtoren", "klompen", "hagelslag",
)  # fmt: skip


def reason(password: str) -> str | None:
    try:
        check_new_password(password, min_length=12, personal=PERSONAL)
    except PasswordRejected as rejected:
        return str(rejected)
    return None


@pytest.fixture(autouse=True)
def dutch(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("aaaaaaaaaaaa", "Herhaalde tekens zoals aaa zijn makkelijk te raden."),
        ("123456789012", "Dit wachtwoord lijkt te veel op een veelgebruikt wachtwoord."),
        ("abcdefghijklmnop", "Reeksen zoals abc of 6543 zijn makkelijk te raden."),
        ("zomerzomerzomer", "Een herhaald stuk zoals abcabc is nauwelijks moeilijker"),
        ("qwertyuiopasdf", "lijkt te veel op een veelgebruikt wachtwoord"),
        ("vrijwilliger2026", "Gebruik uw naam of e-mailadres niet in uw wachtwoord."),
        ("wachtwoord2026", "Dit wachtwoord komt te vaak voor."),
    ],
)
def test_guessable_passwords_are_refused_with_a_dutch_reason(password, expected):
    found = reason(password)
    assert found is not None and expected in found, found


def test_every_strength_refusal_ends_with_dutch_advice():
    for password in ("aaaaaaaaaaaa", "123456789012", "abcdefghijkl"):
        assert reason(password).endswith(
            "Gebruik een paar ongewone woorden achter elkaar, bijvoorbeeld een korte zin."
        )


def test_a_warning_zxcvbn_gives_that_the_mapping_lacks_gets_the_generic_reason(monkeypatch):
    monkeypatch.setattr(
        passwords,
        "zxcvbn",
        lambda *_a, **_k: {"score": 1, "feedback": {"warning": "Something new."}},
    )
    assert reason("een-onbekend-geval") == (
        "Dit wachtwoord is te makkelijk te raden. Gebruik een paar ongewone woorden achter"
        " elkaar, bijvoorbeeld een korte zin."
    )


@pytest.mark.parametrize("seed", range(5))
def test_generated_repeats_and_sequences_are_refused(seed):
    rng = random.Random(seed)
    length = rng.randint(12, 30)
    start = rng.randint(0, 14)
    word = rng.choice(("dragon", "monkey", "summer", "football", "shadow", "fiets"))
    generated = [
        rng.choice(string.ascii_lowercase + string.digits) * length,
        string.ascii_lowercase[start : start + rng.randint(12, 26 - start)],
        string.digits[start % 6 : start % 6 + 4] * rng.randint(3, 6),
        word * max(2, -(-12 // len(word))),
    ]
    for password in generated:
        assert reason(password) is not None, password


@pytest.mark.parametrize("seed", range(5))
def test_generated_passphrases_of_four_words_pass(seed):
    rng = random.Random(seed)
    password = "-".join(rng.sample(WORDS, 4))
    assert reason(password) is None, password


def test_the_testing_config_hashes_cheaply(app):
    stored = passwords.hash_password("lantaarnpaal-rivier-7-wolken")
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert passwords.verify_password(stored, "lantaarnpaal-rivier-7-wolken")
    assert not passwords.verify_password(stored, "lantaarnpaal-rivier-7-wolkem")


def test_production_and_development_hash_with_argon2s_strong_defaults(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MIGRATION_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    production = load_settings(
        "production",
        {
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nazorg_app@db/nazorg",
            "REDIS_URL": "redis://redis:6379/0",
            "PORTAL_BASE_URL": "https://nazorg.example.nl",
        },
    )
    strong = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
    for settings in (production, load_settings("development")):
        assert settings["ARGON2_TIME_COST"] == strong.time_cost == 3
        assert settings["ARGON2_MEMORY_COST_KIB"] == strong.memory_cost == 65536
        assert settings["ARGON2_PARALLELISM"] == strong.parallelism == 4
    assert ProductionConfig.ARGON2_MEMORY_COST_KIB >= 19 * 1024  # OWASP's floor for argon2id


def test_a_hash_made_with_other_costs_is_renewed_at_the_next_sign_in(app):
    strong = PasswordHasher().hash("lantaarnpaal-rivier-7-wolken")
    assert passwords.needs_rehash(strong)
    assert not passwords.needs_rehash(passwords.hash_password("lantaarnpaal-rivier-7-wolken"))
