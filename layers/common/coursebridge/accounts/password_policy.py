"""What a password a person chooses must be; each broken rule is one message for the page.

- at least 12 characters (at most 256);
- not the account's email, its local part, its username or its name (nor contain
  them, ignoring case, for those of 4 characters or more);
- not the first-login password the school gave (the caller checks it against the
  hash: ``is_first_login_password``);
- not a common password: not in zxcvbn's list of 30,000 frequent passwords, and not
  guessable by zxcvbn's patterns (keyboard runs, dates, repeats, dictionary words with
  digits: a score under 3 of 4). zxcvbn is imported on first use, by the two pages
  where a password is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursebridge.accounts.passwords import MAX_PASSWORD_CHARS

MIN_LENGTH = 12
MIN_SCORE = 3
TOO_SHORT = f"Use at least {MIN_LENGTH} characters."
TOO_LONG = f"Use at most {MAX_PASSWORD_CHARS} characters."
MISMATCH = "The two passwords are not the same."
PERSONAL = "Do not use your email address, username or name in your password."
FIRST_LOGIN = "Choose a password of your own, not the one your school gave you."
COMMON = "This password is too common or too easy to guess: choose a less predictable one."


@dataclass(frozen=True)
class Person:
    email: str | None
    username: str | None
    first_name: str
    last_name: str

    def words(self) -> list[str]:
        local = (self.email or "").split("@", 1)[0]
        found = [self.email or "", local, self.username or "", self.first_name, self.last_name]
        full = f"{self.first_name}{self.last_name}"
        return [w.lower() for w in [*found, full] if len(w) >= 4]


def _common(password: str, person: Person) -> bool:
    from zxcvbn import zxcvbn
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    if password.lower() in _common_set(FREQUENCY_LISTS):
        return True
    return int(zxcvbn(password[:100], user_inputs=person.words())["score"]) < MIN_SCORE


_COMMON: set[str] = set()


def _common_set(lists: dict) -> set[str]:
    if not _COMMON:
        _COMMON.update(lists["passwords"])
    return _COMMON


def problems(password: str, confirm: str, person: Person) -> list[str]:
    """Every rule ``password`` breaks (empty: it may be used)."""
    if password != confirm:
        return [MISMATCH]
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT]
    if len(password) > MAX_PASSWORD_CHARS:
        return [TOO_LONG]
    lowered = password.lower()
    if any(word in lowered for word in person.words()):
        return [PERSONAL]
    if _common(password, person):
        return [COMMON]
    return []
