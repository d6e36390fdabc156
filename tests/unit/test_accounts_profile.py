"""Odd launch claims are cleaned, never stored as they came (pure rules)."""

from __future__ import annotations

import pytest

from coursebridge.accounts.profile import (
    MAX_NAME,
    LmsProfile,
    anonymous_name,
    clean_email,
    clean_text,
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
