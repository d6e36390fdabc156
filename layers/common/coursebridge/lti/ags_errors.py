"""What an LMS's refusal of a score means: one reason per refusal, retried or permanent.

LMSs word their AGS refusals differently (Canvas answers 422 with an ``errors`` list,
Moodle a bare 400 "Incorrect score received", Blackboard 400 "User could not be found:",
D2L 403/404 for users who are not enrolled). ``classify`` turns an answer into one of the
reasons a teacher reads in the tool; the rules are the table in docs/GRADES.md.

A reason is *retried* when a later attempt may succeed without anyone doing anything
(the sender backs off and the release queue brings the message back); every other
reason is *permanent* for that version of the grade: somebody fixes the LMS side, then
"Resend failed" asks again. ``superseded`` (the LMS already holds a newer score) is
never asked again for the same version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Reason(StrEnum):
    NOT_ENROLLED = "not_enrolled"
    COURSE_CONCLUDED = "course_concluded"
    LINE_ITEM_GONE = "line_item_gone"
    SUPERSEDED = "superseded"
    PLATFORM_UNAVAILABLE = "platform_unavailable"
    TOKEN_REFUSED = "token_refused"  # noqa: S105 - a reason code, not a secret
    OTHER = "other"


LABELS: dict[Reason, str] = {
    Reason.NOT_ENROLLED: "not enrolled in the LMS course",
    Reason.COURSE_CONCLUDED: "the LMS course has concluded",
    Reason.LINE_ITEM_GONE: "the LMS gradebook column was deleted",
    Reason.SUPERSEDED: "the LMS already has a newer score",
    Reason.PLATFORM_UNAVAILABLE: "the LMS is unavailable",
    Reason.TOKEN_REFUSED: "the LMS refused the tool's access",
    Reason.OTHER: "refused by the LMS",
}

RETRIED = frozenset({Reason.PLATFORM_UNAVAILABLE})
NOT_RESENT = frozenset({Reason.SUPERSEDED})  # "Resend failed" leaves these alone


class Lms(StrEnum):
    CANVAS = "canvas"
    MOODLE = "moodle"
    BLACKBOARD = "blackboard"
    D2L = "d2l"
    GENERIC = "generic"


_FAMILY_CODES = {  # tool_platform.product_family_code, lower-cased
    "canvas": Lms.CANVAS,
    "moodle": Lms.MOODLE,
    "blackboardlearn": Lms.BLACKBOARD,
    "blackboard": Lms.BLACKBOARD,
    "desire2learn": Lms.D2L,
    "d2l": Lms.D2L,
    "brightspace": Lms.D2L,
}
_ISSUER_HOSTS = (  # (host suffix, family) for platforms that sign as their vendor
    ("instructure.com", Lms.CANVAS),
    ("blackboard.com", Lms.BLACKBOARD),
    ("brightspace.com", Lms.D2L),
    ("desire2learn.com", Lms.D2L),
)


def lms_family(product_family_code: str | None, issuer: str | None) -> Lms:
    """The LMS a unit's grades go to: the launch's ``tool_platform`` claim, else the
    registration's issuer (Canvas cloud, Blackboard SaaS and Brightspace sign as their
    vendor's host), else a generic AGS platform."""
    code = (product_family_code or "").strip().lower()
    if code in _FAMILY_CODES:
        return _FAMILY_CODES[code]
    host = (urlsplit(issuer or "").hostname or "").lower()
    for suffix, family in _ISSUER_HOSTS:
        if host == suffix or host.endswith("." + suffix):
            return family
    return Lms.GENERIC


@dataclass(frozen=True)
class Rule:
    """One way an LMS refuses, and what it means. ``lms=None``: any LMS; ``statuses``
    empty: any status; ``pattern``: searched in the platform's message (any case)."""

    reason: Reason
    lms: Lms | None = None
    statuses: tuple[int, ...] = ()
    pattern: str | None = None
    line_item_missing: bool = False  # only when the line item itself answered 404

    def matches(self, lms: Lms, status: int | None, message: str, missing: bool) -> bool:
        if self.lms is not None and self.lms != lms:
            return False
        if self.statuses and status not in self.statuses:
            return False
        if self.line_item_missing and not missing:
            return False
        return self.pattern is None or re.search(self.pattern, message, re.IGNORECASE) is not None


_STALE = r"before (the )?last updated|newer score|timestamp .*(older|earlier) than"

# First match wins: a line item that is gone, then each LMS's own wording, then the
# wording and statuses every AGS platform shares.
RULES: tuple[Rule, ...] = (
    Rule(Reason.LINE_ITEM_GONE, statuses=(404, 410), line_item_missing=True),
    Rule(Reason.NOT_ENROLLED, Lms.CANVAS, (422,), r"not found in course|is not a student"),
    Rule(Reason.COURSE_CONCLUDED, Lms.CANVAS, (422,), r"concluded"),
    Rule(Reason.OTHER, Lms.CANVAS, (422,), r"maximum number of (allowed )?attempts"),
    Rule(Reason.NOT_ENROLLED, Lms.MOODLE, (400,), r"incorrect score received"),
    Rule(Reason.NOT_ENROLLED, Lms.BLACKBOARD, (400, 404), r"user could not be found"),
    Rule(Reason.NOT_ENROLLED, Lms.D2L, (403, 404)),
    Rule(Reason.TOKEN_REFUSED, statuses=(401,)),
    Rule(Reason.PLATFORM_UNAVAILABLE, statuses=(408, 429, 500, 502, 503, 504)),
    Rule(Reason.SUPERSEDED, statuses=(400, 409, 422), pattern=_STALE),
    Rule(Reason.COURSE_CONCLUDED, pattern=r"concluded|course (is )?(closed|completed?|read.only)"),
    Rule(
        Reason.NOT_ENROLLED,
        pattern=r"not enrolled|not a (student|member)|user (was )?not found|unknown user",
    ),
)


def classify(
    lms: Lms | str, status: int | None, message: str, *, line_item_missing: bool = False
) -> Reason:
    """The reason of one refused AGS call (``status`` None: no answer at all)."""
    if status is None or status >= 500:
        return Reason.PLATFORM_UNAVAILABLE
    family = Lms(lms) if lms in Lms._value2member_map_ else Lms.GENERIC
    for rule in RULES:
        if rule.matches(family, status, message, line_item_missing):
            return rule.reason
    return Reason.OTHER


def reason_of(code: str | None, permanent: bool) -> Reason:
    """A stored failure's reason; one recorded before reasons existed by its kind."""
    if code is not None and code in Reason._value2member_map_:
        return Reason(code)
    return Reason.OTHER if permanent else Reason.PLATFORM_UNAVAILABLE
