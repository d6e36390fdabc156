"""The store's own exceptions: what a refused condition means, named by the item it guarded.

Each carries nothing but what the caller needs to decide; ``transactions.refusal`` maps
a refused item's key to one of these.
"""

from __future__ import annotations


class EmailAlreadyClaimed(Exception):
    def __init__(self, email: str) -> None:
        super().__init__(f"email {email} is already held by another account")
        self.email = email


class IssuedIdAlreadyClaimed(Exception):
    def __init__(self, school_id: str, issued_id: str) -> None:
        super().__init__(f"issuedID {issued_id} is already used in school {school_id}")
        self.school_id = school_id
        self.issued_id = issued_id


class UsernameAlreadyClaimed(Exception):
    def __init__(self, username: str) -> None:
        super().__init__(f"username {username} is already held by another account")
        self.username = username


class LinkAlreadyExists(Exception):
    """Another launch linked this (registration, sub) first: re-read the link."""


class AccountChanged(Exception):
    """The account no longer matched what the write expected (changed meanwhile)."""


class TokenGone(Exception):
    """The verification or invitation token was used (or removed) meanwhile."""


class WriteConflict(Exception):
    """Another transaction touched the same items at the same moment: retry."""


class OrgAlreadyExists(Exception):
    def __init__(self, org_id: str) -> None:
        super().__init__(f"organization {org_id!r} already exists")


class SchoolAlreadyOwned(Exception):
    def __init__(self, school_id: str) -> None:
        super().__init__(f"school {school_id!r} already belongs to another organization")


class ItemChanged(Exception):
    """Any other item whose condition refused (a map, a grade, the gradebook state)."""

    def __init__(self, key: dict) -> None:
        super().__init__(f"the condition on {key} was not met")
        self.key = key


class OrgNotFound(Exception):
    def __init__(self, org_id: str) -> None:
        super().__init__(f"unknown org {org_id!r}")


class SettingsChanged(Exception):
    """The organization's settings changed between reading and writing them: nothing was
    written (the audit record would otherwise name values that were not the old ones)."""

    def __init__(self, org_id: str) -> None:
        super().__init__(f"the settings of {org_id!r} changed meanwhile: read them again")
