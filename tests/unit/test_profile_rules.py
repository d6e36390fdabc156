"""One cleaning for what a person's record holds, whether an LMS launch or a CSV row says it."""

from __future__ import annotations

import pytest

from coursebridge.accounts.profile import MAX_NAME, LmsProfile, clean_email
from coursebridge.imports.parse import Header
from coursebridge.imports.scan import open_records
from coursebridge.imports.validate import UserRow, validate_record
from coursebridge.lti.claims import LaunchClaims
from coursebridge.store.orgs import Org

HEADER = "firstName,lastName,email,isTeacher,issuedID,schoolID"


def csv_row(first: str, email: str = "ada@example.edu") -> UserRow:
    data = f"{HEADER}\n{first},Lovelace,{email},0,1,S1\n".encode()
    header_record, record = list(open_records(iter([data]))[1])
    row = validate_record(record, Header.from_cells(header_record.cells), {"S1"})
    assert isinstance(row, UserRow), row
    return row


def lms_profile(given_name: str, email: str = "ada@example.edu") -> LmsProfile:
    claims = LaunchClaims(
        launch_id="l",
        issuer="https://lms.example.edu",
        client_id="c",
        registration_id="reg_c",
        deployment_id="d",
        message_type="LtiResourceLinkRequest",
        target_link_uri="https://tool.example.com/lti/launch",
        sub="u1",
        given_name=given_name,
        email=email,
    )
    return LmsProfile.from_claims(claims, Org(org_id="acme", name="Acme"))


@pytest.mark.parametrize(
    "raw",
    [
        "Ada",
        "Ada  Augusta",  # runs of spaces collapse
        "Ada\u202eatsuguA",  # a bidi override cannot disguise the name
        "A" * MAX_NAME,
    ],
)
def test_a_name_is_stored_the_same_from_a_csv_and_from_an_lms(raw):
    assert csv_row(raw).first_name == lms_profile(raw).given_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ada@Example.EDU", "ada@example.edu"),
        ("ada@school.test", None),  # a reserved name, never a real mailbox
        ("x" * 65 + "@example.edu", None),
        ("ada@localhost", None),
    ],
)
def test_one_email_rule_for_the_lms_the_csv_and_the_cli(raw, expected):
    assert clean_email(raw) == expected
    assert lms_profile("Ada", raw).email == expected
    if expected is None:
        data = f"{HEADER}\nAda,Lovelace,{raw},0,1,S1\n".encode()
        header_record, record = list(open_records(iter([data]))[1])
        failure = validate_record(record, Header.from_cells(header_record.cells), {"S1"})
        assert [e.message for e in failure.errors] == ["Validation isEmail on email failed"]
    else:
        assert csv_row("Ada", raw).email == expected
