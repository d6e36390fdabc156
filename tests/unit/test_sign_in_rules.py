"""The sign-in rules without AWS: usernames, password hashes, the policy, the lockout
arithmetic, and the emails' words."""

from __future__ import annotations

import base64
import hashlib

import pytest

from coursebridge.accounts import password_policy
from coursebridge.accounts.lockout import ACCOUNT_RULE, ADDRESS_RULE
from coursebridge.accounts.password_reset_email import password_reset_email
from coursebridge.accounts.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    verify_password,
)
from coursebridge.imports.welcome_email import welcome_email
from coursebridge.store import keys, usernames
from coursebridge.store.sign_in_failures import FailureCount

# ---------------------------------------------------------------- usernames


@pytest.mark.parametrize(
    ("email", "first", "last", "expected"),
    [
        ("Jane.Doe@school.edu", "", "", "jane.doe"),
        ("jane.doe+math@school.edu", "", "", "jane.doe"),
        ("José.Núñez@escuela.es", "", "", "jose.nunez"),
        ("o'brien_k@school.edu", "", "", "o.brien.k"),
        ("jo@school.edu", "Jo", "Park", "jo.park"),  # a local part under 3 characters
        (None, "Ann", "Lee", "ann.lee"),
        (None, "", "", "user"),
        (None, "李", "", "user"),  # nothing left after folding to ASCII
        ("a" * 60 + "@x.org", "", "", "a" * 23),
    ],
)
def test_the_first_username_comes_from_the_email_then_the_names(email, first, last, expected):
    base = usernames.username_base(email, first, last)
    assert base == expected and usernames.is_valid(base)


def test_later_choices_append_random_digits_and_stay_valid():
    assert usernames.candidate("jane.doe", 0) == "jane.doe"
    second = usernames.candidate("jane.doe", 1)
    assert second.startswith("jane.doe") and len(second) == len("jane.doe") + 4
    assert len(usernames.candidate("jane.doe", 4)) == len("jane.doe") + 8
    assert usernames.candidate("admin", 0) != "admin"  # reserved names are never given
    longest = usernames.candidate("a" * 23, 7)
    assert usernames.is_valid(longest) and len(longest) <= usernames.MAX_LENGTH


@pytest.mark.parametrize("text", ["ab", "-abc", "abc.", "a@b.c", "a b c", "x" * 33, "ABC"])
def test_what_is_not_a_username(text):
    assert not usernames.is_valid(text)


def test_a_username_claim_is_its_own_kind_of_claim():
    assert keys.claim_of(keys.username_claim("jane.doe")) == ("username", "jane.doe")
    assert keys.claim_of(keys.email_claim("jane.doe")) == ("email", "jane.doe")


# ---------------------------------------------------------------- hashes


def test_new_hashes_are_argon2id_at_owasp_parameters_and_need_no_rehash():
    stored = hash_password("a fine long password")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password("a fine long password", stored)
    assert not verify_password("a fine long passworD", stored)
    assert not needs_rehash(stored)


def test_the_dummy_hash_has_todays_parameters_and_never_matches():
    assert not needs_rehash(DUMMY_HASH)
    assert not verify_password("", None) and not verify_password("x", DUMMY_HASH)
    assert not verify_password("x", "not a hash") and not verify_password("x", "")


def _scrypt(password: str) -> str:
    salt = b"fixed-salt-16byt"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    parts = (base64.b64encode(x).decode().rstrip("=") for x in (salt, digest))
    return "scrypt$n=16384,r=8,p=1${}${}".format(*parts)


def test_older_scrypt_hashes_still_verify_and_ask_for_a_rehash():
    legacy = _scrypt("Sesame-42")
    assert verify_password("Sesame-42", legacy) and not verify_password("sesame-42", legacy)
    assert needs_rehash(legacy)
    assert not verify_password("Sesame-42", "scrypt$n=bad$x$y")


# ---------------------------------------------------------------- policy

PERSON = password_policy.Person("pat.kowalski@school.edu", "pat.kowalski", "Pat", "Kowalski")


@pytest.mark.parametrize(
    ("password", "confirm", "problem"),
    [
        ("violet-harbor-lantern-41", "violet-harbor-lantern-41", None),
        ("short", "short", password_policy.TOO_SHORT),
        ("x" * 257, "x" * 257, password_policy.TOO_LONG),
        ("violet-harbor-lantern-41", "violet-harbor-lantern-42", password_policy.MISMATCH),
        ("pat.kowalski@school.edu", "pat.kowalski@school.edu", password_policy.PERSONAL),
        ("my-KOWALSKI-house-9", "my-KOWALSKI-house-9", password_policy.PERSONAL),
        ("passwordpassword", "passwordpassword", password_policy.COMMON),
        ("1234567890123", "1234567890123", password_policy.COMMON),
        ("Password1234", "Password1234", password_policy.COMMON),
        ("qwertyuiopasdf", "qwertyuiopasdf", password_policy.COMMON),
    ],
)
def test_the_password_policy(password, confirm, problem):
    found = password_policy.problems(password, confirm, PERSON)
    assert found == ([problem] if problem else [])


# ---------------------------------------------------------------- lockout

NOW = 1_900_000_000


def _after(rule, failures: int, at: int = NOW) -> FailureCount:
    count = FailureCount()
    for _ in range(failures):
        count = rule.after_failure(count, at)
    return count


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(0, 0), (4, 0), (5, 1), (6, 2), (7, 4), (10, 32), (11, 60), (19, 60), (20, 900)],
)
def test_an_accounts_wait_after_n_failures(failures, wait):
    assert ACCOUNT_RULE.wait(_after(ACCOUNT_RULE, failures), NOW) == wait


def test_an_accounts_failures_are_forgotten_fifteen_minutes_after_the_last():
    count = _after(ACCOUNT_RULE, 19)
    assert ACCOUNT_RULE.wait(count, NOW + 899) == 0  # the 60 s wait is over…
    assert ACCOUNT_RULE.after_failure(count, NOW + 899).locked_until == NOW + 899 + 900
    assert ACCOUNT_RULE.current(count, NOW + 900).failures == 0  # …and then all is forgotten


def test_a_lock_lasts_fifteen_minutes_then_counting_starts_again():
    locked = _after(ACCOUNT_RULE, 20)
    assert ACCOUNT_RULE.locked(locked, NOW + 899) and not ACCOUNT_RULE.locked(locked, NOW + 900)
    assert ACCOUNT_RULE.after_failure(locked, NOW + 900).failures == 1
    assert ACCOUNT_RULE.expires(locked) == NOW + 900


def test_an_address_is_slowed_from_the_hundredth_and_locked_at_the_three_hundredth():
    assert ADDRESS_RULE.wait(_after(ADDRESS_RULE, 99), NOW) == 0
    assert ADDRESS_RULE.wait(_after(ADDRESS_RULE, 100), NOW) == 1
    assert ADDRESS_RULE.wait(_after(ADDRESS_RULE, 200), NOW) == 10
    assert ADDRESS_RULE.locked(_after(ADDRESS_RULE, 300), NOW)
    # Its window runs from its first failure, not its last.
    assert ADDRESS_RULE.current(_after(ADDRESS_RULE, 299), NOW + 900).failures == 0


# ---------------------------------------------------------------- emails


@pytest.mark.parametrize("with_password", [True, False])
def test_the_welcome_email_says_where_to_sign_in_the_username_and_how(with_password):
    email = welcome_email(
        "jane@school.edu", "Jane", "jane.doe", "https://tool.example/app/sign-in", with_password
    )
    assert "Sign in at: https://tool.example/app/sign-in" in email.text
    assert "Username: jane.doe" in email.text
    assert ("set a first-login password" in email.text) is with_password
    assert ("Forgot password?" in email.text) is not with_password
    assert "<strong>jane.doe</strong>" in email.html


def test_the_reset_email_names_the_account_the_link_and_its_lifetime():
    email = password_reset_email(
        "jane@school.edu", "Jane", "jane.doe", "https://t/app/reset-password?token=a.b.c", 30,
        has_password=False,
    )  # fmt: skip
    assert email.subject == "Set your coursebridge password"
    assert "Username: jane.doe" in email.text and "within 30 minutes" in email.text
    assert "https://t/app/reset-password?token=a.b.c" in email.text
    assert 'href="https://t/app/reset-password?token=a.b.c"' in email.html
