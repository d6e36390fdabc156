"""The one cleaning of what a person's record may hold, whoever supplies it.

An LMS launch, a CSV row and the admin CLI all go through these rules: names lose
control characters and are capped at ``MAX_NAME``; an email is trimmed, lower-cased
and kept only when it is one valid address (``clean_email``, the one email rule); the
org's ``studentIdField`` value is read from the custom claims. A launch with neither
email nor any name is *anonymous*.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from coursebridge.lti.claims import LaunchClaims
from coursebridge.store.accounts import normalize_email
from coursebridge.store.links import LmsLink
from coursebridge.store.orgs import Org

MAX_NAME = 200
MAX_EMAIL = 254  # RFC 5321 path limit
MAX_LOCAL_PART = 64  # RFC 5321, before the @
MAX_STUDENT_ID = 256
_ANONYMOUS_WORDS = [
    "Otter",
    "Oak",
    "Heron",
    "Maple",
    "Lynx",
    "Cedar",
    "Falcon",
    "Willow",
    "Badger",
    "Aspen",
    "Robin",
    "Birch",
    "Marten",
    "Alder",
    "Finch",
    "Rowan",
    "Puffin",
    "Hazel",
    "Bison",
    "Larch",
]


# Bidirectional overrides/isolates can make a name display as something else.
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# Most addresses are plain ASCII ones that email-validator accepts exactly as they are.
# This pattern matches only such addresses (a local part of letters, digits and _+-
# between single dots; LDH domain labels, no "--" that could be punycode; a TLD of 2-63
# letters), so for them the full check can be skipped: it costs ~17 us an address,
# the import's largest CPU cost per row. Anything else takes the full check.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+]+(?:[.-][a-z0-9_+]+)*@(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)+[a-z]{2,63}"
)
# Special-use domains (RFC 6761 and others) that email-validator refuses.
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")


def clean_text(value: object, limit: int) -> str:
    """Printable text, whitespace collapsed, at most ``limit`` characters."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return ""
    text = str(value)
    if text.isprintable():  # no control, separator, surrogate or bidi character
        return " ".join(text.split())[:limit].rstrip()
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text
        # lone surrogates cannot be stored; bidi controls can disguise a name
        if unicodedata.category(ch) != "Cs" and ch not in _BIDI_CONTROLS
    )
    text = " ".join(text.split())
    return text[:limit].rstrip()


def clean_email(value: object) -> str | None:
    """The lower-case address, or None when ``value`` is not one valid email address
    (syntax only: nothing is looked up)."""
    if not isinstance(value, str):
        return None
    email = normalize_email(value)
    if not email or len(email) > MAX_EMAIL or len(email.partition("@")[0]) > MAX_LOCAL_PART:
        return None
    if _is_plain_email(email):
        return email
    # Imported here: email_validator compiles its patterns at import, a cost a handler's
    # cold start does not need to pay before the first address.
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return None
    return email


def _is_plain_email(email: str) -> bool:
    if _PLAIN_EMAIL.fullmatch(email) is None:
        return False
    domain = email.rpartition("@")[2]
    labels = domain.split(".")
    if any(len(label) > 63 for label in labels):
        return False
    return not any(
        domain == special or domain.endswith("." + special) for special in SPECIAL_USE_DOMAINS
    )


def anonymous_name(seed: str) -> str:
    """A stable, friendly display name for an account with no name (e.g. 'Anonymous Heron 4821')."""
    digest = hashlib.sha256(seed.encode()).digest()
    word = _ANONYMOUS_WORDS[digest[0] % len(_ANONYMOUS_WORDS)]
    number = int.from_bytes(digest[1:3], "big") % 10000
    return f"Anonymous {word} {number:04d}"


@dataclass(frozen=True)
class LmsProfile:
    email: str | None
    given_name: str
    family_name: str
    name: str
    student_id: str | None

    @property
    def anonymous(self) -> bool:
        return not (self.email or self.given_name or self.family_name or self.name)

    @property
    def has_name(self) -> bool:
        return bool(self.given_name or self.family_name or self.name)

    @classmethod
    def from_claims(cls, claims: LaunchClaims, org: Org) -> LmsProfile:
        student_id = None
        if org.student_id_field:
            raw = (claims.custom or {}).get(org.student_id_field)
            student_id = clean_text(raw, MAX_STUDENT_ID) or None
        return cls(
            email=clean_email(claims.email),
            given_name=clean_text(claims.given_name, MAX_NAME),
            family_name=clean_text(claims.family_name, MAX_NAME),
            name=clean_text(claims.name, MAX_NAME),
            student_id=student_id,
        )


def new_link(claims: LaunchClaims, profile: LmsProfile, account_id: str, org_id: str) -> LmsLink:
    """The LMS link (registration, sub) → account, remembering what the LMS sent this time."""
    assert claims.sub is not None
    return LmsLink(
        registration_id=claims.registration_id,
        issuer=claims.issuer,
        sub=claims.sub,
        account_id=account_id,
        org_id=org_id,
        deployment_id=claims.deployment_id,
        lms_email=profile.email,
        lms_given_name=profile.given_name,
        lms_family_name=profile.family_name,
        lms_name=profile.name,
    )
