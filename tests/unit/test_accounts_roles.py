# ruff: noqa: E501  (the tables read best one case per line)
"""The role table: every spelling of every LTI role → class role."""

from __future__ import annotations

import pytest

from coursebridge.accounts.roles import ClassRole, ParsedRole, class_role, parse_role

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
TEACHER = ClassRole("TEACHER")
STUDENT = ClassRole("STUDENT")
MENTOR = ClassRole("TEACHER", read_only=True)


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        # full membership URIs
        ([f"{LIS}membership#Instructor"], TEACHER),
        ([f"{LIS}membership#Administrator"], TEACHER),
        ([f"{LIS}membership#ContentDeveloper"], TEACHER),
        ([f"{LIS}membership/Instructor#TeachingAssistant"], TEACHER),
        ([f"{LIS}membership/Instructor#TeachingAssistantSection"], TEACHER),
        ([f"{LIS}membership/Learner#TeachingAssistant"], TEACHER),
        ([f"{LIS}membership#Mentor"], MENTOR),
        ([f"{LIS}membership/Mentor#Advisor"], MENTOR),
        ([f"{LIS}membership#Learner"], STUDENT),
        ([f"{LIS}membership/Learner#NonCreditLearner"], STUDENT),
        ([f"{LIS}membership#Member"], STUDENT),
        # short names
        (["Instructor"], TEACHER),
        (["Administrator"], TEACHER),
        (["ContentDeveloper"], TEACHER),
        (["TeachingAssistant"], TEACHER),
        (["Instructor#TeachingAssistant"], TEACHER),
        (["Mentor"], MENTOR),
        (["Learner"], STUDENT),
        ([" instructor "], TEACHER),
        # institution vocabulary decides only without a context role
        ([f"{LIS}institution/person#Instructor"], TEACHER),
        ([f"{LIS}institution/person#Faculty"], TEACHER),
        ([f"{LIS}institution/person#Administrator"], TEACHER),
        ([f"{LIS}institution/person#Mentor"], MENTOR),
        ([f"{LIS}institution/person#Student"], STUDENT),
        ([f"{LIS}institution/person#Instructor", f"{LIS}membership#Learner"], STUDENT),
        # LTI 1.1 URNs
        (["urn:lti:role:ims/lis/Instructor"], TEACHER),
        (["urn:lti:role:ims/lis/Instructor/TeachingAssistant"], TEACHER),
        (["urn:lti:role:ims/lis/TeachingAssistant"], TEACHER),
        (["urn:lti:instrole:ims/lis/Faculty"], TEACHER),
        (["urn:lti:role:ims/lis/Learner"], STUDENT),
        # system roles never decide; unknown and empty roles are students
        ([f"{LIS}system/person#Administrator"], STUDENT),
        ([f"{LIS}system/person#SysAdmin", f"{LIS}membership#Learner"], STUDENT),
        ([], STUDENT),
        ([""], STUDENT),
        (["https://example.com/roles#Wizard"], STUDENT),
        ([f"{LIS}membership#"], STUDENT),
        # precedence: a full teacher role beats mentor beats learner
        ([f"{LIS}membership#Mentor", f"{LIS}membership#Instructor"], TEACHER),
        ([f"{LIS}membership#Learner", f"{LIS}membership#Mentor"], MENTOR),
    ],
)
def test_class_role(roles, expected):
    assert class_role(roles) == expected


def test_mentor_scope_limits_to_the_listed_students():
    grant = class_role(["Mentor"], [" s1 ", "s2", "s1", ""])
    assert grant == ClassRole("TEACHER", read_only=True, mentee_subs=("s1", "s2"))


def test_role_scope_mentor_does_not_limit_a_full_teacher():
    assert class_role(["Instructor", "Mentor"], ["s1"]).mentee_subs is None


@pytest.mark.parametrize("raw", ["", "   ", "urn:other:x", f"{LIS}other#Instructor"])
def test_unreadable_roles_parse_to_none(raw):
    assert parse_role(raw) is None


PARSED = [
    ("a context role", f"{LIS}membership#Instructor", ParsedRole("context", "instructor")),
    ("a sub-role", f"{LIS}membership/Instructor#TeachingAssistant", ParsedRole("context", "instructor", "teachingassistant")),
    ("an institution role", f"{LIS}institution/person#Faculty", ParsedRole("institution", "faculty")),
    ("a system role", f"{LIS}system/person#Administrator", ParsedRole("system", "administrator")),
    ("a short sub-role", "Instructor#TeachingAssistant", ParsedRole("context", "instructor", "teachingassistant")),
    ("a short sub-role with a slash", "Mentor/Advisor", ParsedRole("context", "mentor", "advisor")),
    ("an LTI 1.1 sub-role", "urn:lti:role:ims/lis/Instructor/TeachingAssistant", ParsedRole("context", "instructor", "teachingassistant")),
    ("an LTI 1.1 system role", "urn:lti:sysrole:ims/lis/SysAdmin", ParsedRole("system", "sysadmin")),
    ("the vocabulary ends at the first #", f"{LIS}membership#Instructor#Guest", ParsedRole("context", "instructor#guest")),
    ("the principal ends at the first separator", "Instructor#TeachingAssistant#Lead", ParsedRole("context", "instructor", "teachingassistant#lead")),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "parsed"), [p[1:] for p in PARSED], ids=[p[0] for p in PARSED])
def test_a_role_string_parses_to_its_scope_principal_and_sub_role(raw, parsed):
    assert parse_role(raw) == parsed


@pytest.mark.parametrize("raw", [None, 5, ["Instructor"]], ids=["none", "a-number", "a-list"])
def test_a_role_that_is_not_a_string_is_not_a_role(raw):
    assert parse_role(raw) is None
