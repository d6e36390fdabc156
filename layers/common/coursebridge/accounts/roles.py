"""LTI roles → class role, re-derived at every launch, and what each class role may do.

The one home of the role decisions: who is a *full* teacher (sets courses up, grades,
releases, becomes a teacher account), who is a read-only mentor and whose roster a
mentor sees. Accounts, classes and the web layer all ask these functions.

Accepted spellings of one role, e.g. Instructor:
  http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor      (context, LTI 1.3)
  http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant (sub-role)
  http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor (institution)
  Instructor, Instructor#TeachingAssistant, TeachingAssistant        (short names)
  urn:lti:role:ims/lis/Instructor, urn:lti:instrole:ims/lis/Faculty  (LTI 1.1 URNs)

Context (membership) roles describe the user *in this course* and decide when
present; institution roles only decide when the launch carries no context role
(platforms send a teacher's institution role even when they take a course as a
learner). System roles never decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from coursebridge.sessions import Role

Scope = Literal["context", "institution", "system"]

_LIS = ("http://purl.imsglobal.org/vocab/lis/v2/", "https://purl.imsglobal.org/vocab/lis/v2/")
_URNS: dict[str, Scope] = {
    "urn:lti:role:ims/lis/": "context",
    "urn:lti:instrole:ims/lis/": "institution",
    "urn:lti:sysrole:ims/lis/": "system",
}
_FULL_TEACHER = {"instructor", "administrator", "contentdeveloper", "teachingassistant"}
_INSTITUTION_TEACHER = {"instructor", "faculty", "administrator"}
_MENTOR = "mentor"


@dataclass(frozen=True)
class ParsedRole:
    scope: Scope
    principal: str  # lower-case, e.g. "instructor"
    sub_role: str | None = None  # lower-case, e.g. "teachingassistant"


@dataclass(frozen=True)
class ClassRole:
    role: Role
    read_only: bool = False
    mentee_subs: tuple[str, ...] | None = None  # None: not limited to some students

    @property
    def full_teacher(self) -> bool:
        return is_full_teacher(self.role, self.read_only)


def is_full_teacher(role: str, read_only: bool) -> bool:
    """A teacher who is not a (read-only) mentor: grades, releases, sets courses up."""
    return role == "TEACHER" and not read_only


def roster_scope(read_only: bool, mentee_subs: Sequence[str] | None) -> frozenset[str] | None:
    """The LTI subs of the students a class member may see; None: the whole roster.

    Only a read-only mentor is ever limited, and only when their launch named mentees.
    """
    if read_only and mentee_subs is not None:
        return frozenset(mentee_subs)
    return None


def _split(path: str) -> tuple[str, str | None]:
    """'Instructor#TeachingAssistant' or 'Instructor/TeachingAssistant' → parts."""
    for separator in ("#", "/"):
        if separator in path:
            principal, _, sub = path.partition(separator)
            return principal, sub or None
    return path, None


def parse_role(raw: str) -> ParsedRole | None:
    """One LTI role string, or None when it is not a role we can read."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    for prefix in _LIS:
        if text.startswith(prefix):
            return _parse_lis(text[len(prefix) :])
    for prefix, scope in _URNS.items():
        if text.startswith(prefix):
            principal, sub = _split(text[len(prefix) :])
            return _make(scope, principal, sub)
    if ":" in text:  # some other vocabulary (a platform's own URI)
        return None
    principal, sub = _split(text)
    return _make("context", principal, sub)


def _parse_lis(rest: str) -> ParsedRole | None:
    # membership#Instructor | membership/Instructor#TA | institution/person#Faculty
    vocabulary, _, role = rest.partition("#")
    if not role:
        return None
    if vocabulary == "membership":
        return _make("context", role, None)
    if vocabulary.startswith("membership/"):
        return _make("context", vocabulary[len("membership/") :], role)
    if vocabulary == "institution/person":
        return _make("institution", role, None)
    if vocabulary == "system/person":
        return _make("system", role, None)
    return None


def _make(scope: Scope, principal: str, sub: str | None) -> ParsedRole | None:
    principal = principal.strip().lower()
    if not principal:
        return None
    return ParsedRole(scope, principal, sub.strip().lower() if sub else None)


def _is_full_teacher(role: ParsedRole) -> bool:
    if role.scope == "institution":
        return role.principal in _INSTITUTION_TEACHER
    if role.sub_role and role.sub_role.startswith("teachingassistant"):
        return True
    return role.principal in _FULL_TEACHER


def class_role(roles: list[str], role_scope_mentor: list[str] | None = None) -> ClassRole:
    """The class role for a launch's ``roles`` (and ``role_scope_mentor`` for mentors)."""
    deciding = _deciding_roles(roles)
    if any(_is_full_teacher(p) for p in deciding):
        return ClassRole("TEACHER")
    if any(p.principal == _MENTOR for p in deciding):
        return ClassRole("TEACHER", read_only=True, mentee_subs=_mentees(role_scope_mentor))
    return ClassRole("STUDENT")


def _deciding_roles(roles: list[str]) -> list[ParsedRole]:
    """The context roles decide; without any, the institution roles do."""
    parsed = [p for p in (parse_role(r) for r in roles or []) if p is not None]
    context = [p for p in parsed if p.scope == "context"]
    return context or [p for p in parsed if p.scope == "institution"]


def _mentees(role_scope_mentor: list[str] | None) -> tuple[str, ...] | None:
    """The mentor's mentees (user ids), each once; None when the LMS named none."""
    mentees = tuple(dict.fromkeys(s.strip() for s in role_scope_mentor or [] if s.strip()))
    return mentees or None
