"""Odd launch claims are cleaned, never stored as they came (pure rules)."""

from __future__ import annotations

import random
import unicodedata

import email_validator
import pytest

from coursebridge.accounts import profile
from coursebridge.accounts.profile import (
    MAX_NAME,
    LmsProfile,
    anonymous_name,
    clean_email,
    clean_text,
    new_link,
)
from coursebridge.lti.claims import LaunchClaims
from coursebridge.store.orgs import Org


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ada@example.edu", "ada@example.edu"),
        ("  Ada@Example.EDU \t", "ada@example.edu"),
        ("ada lovelace@example.edu", None),
        ("ada@", None),
        ("@example.edu", None),
        ("ada@example", None),
        ("a@b@example.edu", None),
        ("", None),
        ("   ", None),
        (None, None),
        ("x" * 65 + "@example.edu", None),
        ("ada@" + "d" * 250 + ".edu", None),
        ("ädä@exämple.edu", "ädä@exämple.edu"),
    ],
)
def test_clean_email(raw, expected):
    assert clean_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ada  Lovelace", "Ada Lovelace"),
        ("  Ada\nLovelace\t", "Ada Lovelace"),
        ("Ada\x00\x07Lovelace", "Ada Lovelace"),
        ("🦄 Ada 👩🏽‍💻", "🦄 Ada 👩🏽‍💻"),
        ("Ada\ud800", "Ada"),
        ("Ada\u202eecalevol", "Adaecalevol"),
        (None, ""),
        (42, "42"),
        (True, ""),
        (["a"], ""),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw, MAX_NAME) == expected


def test_long_names_are_capped():
    assert len(clean_text("é" * 300, MAX_NAME)) == MAX_NAME


def _claims(**fields):
    base = {
        "launch_id": "l1",
        "issuer": "https://lms.example.edu",
        "client_id": "c",
        "registration_id": "reg_c",
        "deployment_id": "d",
        "message_type": "LtiResourceLinkRequest",
        "target_link_uri": "https://tool.example.com/lti/launch",
        "sub": "u1",
    }
    return LaunchClaims(**{**base, **fields})


def test_student_id_is_read_from_the_orgs_custom_claim():
    org = Org(org_id="acme", name="Acme", student_id_field="student_id")
    profile = LmsProfile.from_claims(_claims(custom={"student_id": 1234}), org)
    assert profile.student_id == "1234"
    no_field = Org(org_id="acme", name="Acme")
    assert LmsProfile.from_claims(_claims(custom={"student_id": "1"}), no_field).student_id is None


def test_anonymous_means_no_email_and_no_name():
    org = Org(org_id="acme", name="Acme")
    assert LmsProfile.from_claims(_claims(), org).anonymous
    assert LmsProfile.from_claims(_claims(email=" "), org).anonymous
    assert not LmsProfile.from_claims(_claims(given_name="Ada"), org).anonymous


def test_anonymous_names_are_stable_and_differ_between_accounts():
    assert anonymous_name("acc_1") == anonymous_name("acc_1")
    assert anonymous_name("acc_1").startswith("Anonymous ")
    assert len({anonymous_name(f"acc_{i}") for i in range(50)}) > 40


@pytest.mark.parametrize(
    ("seed", "name"),
    [("acc_1", "Anonymous Robin 3553"), ("acc_2", "Anonymous Maple 2478"),
     ("acc_3", "Anonymous Alder 2095")],
)  # fmt: skip
def test_an_anonymous_name_never_changes_between_releases(seed, name):
    """Teachers know an anonymous student by this name: the same seed gives the same
    name in every release (a word of the list and 4 digits from the seed's SHA-256)."""
    assert anonymous_name(seed) == name


def test_an_email_of_the_longest_lengths_rfc_5321_allows_is_kept():
    longest = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    assert (len(longest), clean_email(longest)) == (254, longest)


def test_a_name_cut_at_its_cap_does_not_end_with_a_space():
    assert clean_text("Ada Lovelace", 4) == "Ada"


def test_a_launch_profile_caps_names_and_student_id():
    org = Org(org_id="acme", name="Acme", student_id_field="sid")
    claims = _claims(given_name="G" * 201, family_name="F" * 201, name="N" * 201,
                     custom={"sid": "7" * 257})  # fmt: skip
    profile = LmsProfile.from_claims(claims, org)
    assert (profile.given_name, profile.family_name, profile.name, profile.student_id) == (
        "G" * 200, "F" * 200, "N" * 200, "7" * 256,
    )  # fmt: skip


def test_a_new_link_remembers_every_name_the_lms_sent():
    claims = _claims(given_name="Ada", family_name="Lovelace", name="Ada L.", email="a@x.edu")
    profile = LmsProfile.from_claims(claims, Org(org_id="acme", name="Acme"))
    link = new_link(claims, profile, "acc_1", "acme")
    assert (link.lms_email, link.lms_given_name, link.lms_family_name, link.lms_name) == (
        "a@x.edu", "Ada", "Lovelace", "Ada L.",
    )  # fmt: skip


# --- The fast paths give the same answers as the full rules ---------------------------

_EMAIL_PIECES = ["a", "z", "0", "9", "_", "+", "-", ".", "--", "xn--", "@", "é", "ü", " ",
                 "!", "#", "'", "\"", "com", "edu", "test", "local", "onion", "arpa", "io",
                 "1", "x" * 63, "x" * 64, "localhost", "invalid", "ß", "\u0301", ".."]  # fmt: skip


def _email_candidates(count: int) -> list[str]:
    rng = random.Random(20261201)  # a fixed corpus: the test is the same every run
    found = []
    for _ in range(count):
        local = "".join(rng.choice(_EMAIL_PIECES) for _ in range(rng.randint(1, 4)))
        labels = ["".join(rng.choice(_EMAIL_PIECES) for _ in range(rng.randint(1, 3)))
                  for _ in range(rng.randint(1, 3))]  # fmt: skip
        found.append(f"{local}@{'.'.join(labels)}")
        # and one of the characters plain addresses are made of, in any order
        local = "".join(rng.choice("abz09_+.-") for _ in range(rng.randint(1, 8)))
        labels = ["".join(rng.choice("abz09-") for _ in range(rng.randint(1, 6)))
                  for _ in range(rng.randint(1, 3))]  # fmt: skip
        tld = rng.choice(["com", "edu", "io", "test", "local", "onion", "x1", "c-m", "a", "é"])
        found.append(f"{local}@{'.'.join([*labels, tld])}")
    return [*found, "user1@example.edu", "first.last+tag@mail.school.org", "a-b@sub-1.co.uk",
            "x@host.test", "x@my.local", "x@xn--nxasmq6b.com", "x@1.2.3.4"]  # fmt: skip


def test_every_address_the_plain_pattern_takes_is_one_email_validator_accepts():
    validate = email_validator.validate_email
    taken = [e for e in _email_candidates(20_000) if profile._is_plain_email(e)]
    assert len(taken) > 500  # the corpus reaches the fast path often
    for email in taken:
        validate(email, check_deliverability=False)  # raises for any it refuses


def test_clean_email_answers_the_same_with_or_without_the_fast_path(monkeypatch):
    corpus = _email_candidates(5_000)
    fast = [clean_email(e) for e in corpus]
    monkeypatch.setattr(profile, "_is_plain_email", lambda email: False)
    assert [clean_email(e) for e in corpus] == fast
    assert any(fast) and None in fast


def test_our_special_use_domains_are_the_ones_email_validator_refuses():
    refused = email_validator.SPECIAL_USE_DOMAIN_NAMES
    assert set(refused) <= set(profile.SPECIAL_USE_DOMAINS)


def _clean_text_by_the_rule(text: str, limit: int) -> str:
    """Control and line/paragraph separators become spaces, surrogates and bidi
    controls go, whitespace collapses, the cap applies: character by character."""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text
        if unicodedata.category(ch) != "Cs" and ch not in profile._BIDI_CONTROLS
    )
    return " ".join(kept.split())[:limit].rstrip()


def test_clean_text_of_any_text_is_the_character_by_character_rule():
    rng = random.Random(7)
    alphabet = "ab Zé\t\n\r\x00\x1f\x7f\u00a0\u2028\u2029\u200e\u202e\u2066\ud800\u3000\u0301x"
    for _ in range(5_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        limit = rng.randint(1, 10)
        assert clean_text(text, limit) == _clean_text_by_the_rule(text, limit), repr(text)


@pytest.mark.parametrize(
    "email",
    [
        pytest.param("a" * 64 + "@example.edu", id="local-part-of-64"),  # RFC 5321 §4.5.3.1.1
        pytest.param("ada@" + "b" * 63 + ".edu", id="label-of-63"),  # RFC 1035 §2.3.4
        pytest.param("ada@" + "b" * 60 + "." + "c" * 60 + ".edu", id="domain-over-63"),
    ],
)
def test_a_plain_address_at_the_rfc_length_limits_takes_the_fast_path(email):
    """Plain ASCII addresses skip email-validator (the fast path is what the import's
    speed rests on), up to the longest local part and domain label the RFCs allow."""
    assert profile._is_plain_email(email)
    assert clean_email(email) == email
