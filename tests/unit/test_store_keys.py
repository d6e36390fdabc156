"""The key design (store/keys.py) and what a refused item means (store/transactions.py)."""

from __future__ import annotations

import pytest

from coursebridge.store import claims, keys
from coursebridge.store.errors import (
    AccountChanged,
    EmailAlreadyClaimed,
    IssuedIdAlreadyClaimed,
    ItemChanged,
    LinkAlreadyExists,
    OrgAlreadyExists,
    SchoolAlreadyOwned,
    TokenGone,
)
from coursebridge.store.queries import Update
from coursebridge.store.transactions import Cancellation, refusal


def test_no_two_entities_share_a_users_table_partition_value():
    partitions = [
        keys.account("acc_1")["platform"],
        keys.account("acc_2")["platform"],
        keys.email_claim("a@x.edu")["platform"],
        keys.email_claim("b@x.edu")["platform"],
        keys.issued_claim("S1", "ID1")["platform"],
        keys.issued_claim("S1", "ID2")["platform"],
        keys.issued_claim("S2", "ID1")["platform"],
        keys.lms_link("reg_a", "sub-1")["platform"],
        keys.lms_link("reg_a", "sub-2")["platform"],
        keys.lms_link("reg_b", "sub-1")["platform"],
    ]
    assert len(set(partitions)) == len(partitions)


def test_ids_that_spell_the_same_partition_are_still_two_claims():
    first, second = keys.issued_claim("a#b", "c"), keys.issued_claim("a", "b#c")
    assert first["platform"] == second["platform"] and first != second
    assert keys.claim_of(first) == ("issued:a#b", "c")
    assert keys.claim_of(second) == ("issued:a", "b#c")


def test_a_sub_too_long_for_a_key_is_keyed_by_its_digest_in_both_keys():
    long_sub = "s" * 5000
    key = keys.lms_link("reg_a", long_sub)
    assert key["userId"].startswith("sha256:") and key["platform"].endswith(key["userId"])
    assert len(key["platform"].encode()) < 2048 and len(key["userId"].encode()) <= 1024
    assert key != keys.lms_link("reg_a", "s" * 4999)


def test_an_organizations_audit_records_spread_over_every_shard():
    partitions = {keys.audit("acme", 0, f"{n:08x}")["pk"] for n in range(2000)}
    assert partitions == set(keys.audit_partitions("acme"))
    assert len(partitions) == keys.AUDIT_SHARDS


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (keys.email_claim("ada@x.edu"), EmailAlreadyClaimed),
        (keys.issued_claim("S1", "ID7"), IssuedIdAlreadyClaimed),
        (keys.lms_link("reg_a", "sub-1"), LinkAlreadyExists),
        (keys.account("acc_1"), AccountChanged),
        (keys.verification("abc"), TokenGone),
        (keys.invitation("abc"), TokenGone),
        (keys.org("acme"), OrgAlreadyExists),
        (keys.school("S1"), SchoolAlreadyOwned),
        (keys.course_map("reg_a", "dep", "ctx"), ItemChanged),
        (keys.grade("unt_1", "acc_1"), ItemChanged),
    ],
)
def test_a_refused_item_is_named_by_its_key(key, expected):
    assert isinstance(refusal(key), expected)
    wire = {name: {"S": value} for name, value in key.items()}  # as the importer sends it
    assert isinstance(refusal(wire), expected)


def test_a_refused_claim_says_which_value_is_taken():
    email = refusal(keys.email_claim("ada@x.edu"))
    issued = refusal(keys.issued_claim("S1", "ID7"))
    assert isinstance(email, EmailAlreadyClaimed) and email.email == "ada@x.edu"
    assert isinstance(issued, IssuedIdAlreadyClaimed)
    assert (issued.school_id, issued.issued_id) == ("S1", "ID7")


def test_a_cancellation_names_only_the_actions_whose_condition_failed():
    actions = claims.claim_actions("users", "acc_1", "ada@x.edu", {"S1": "ID7"})
    cancelled = Cancellation(actions, ["None", "ConditionalCheckFailed"])
    assert cancelled.refused == [1]
    (error,) = cancelled.errors()
    assert isinstance(error, IssuedIdAlreadyClaimed) and error.issued_id == "ID7"
    assert not cancelled.only_conflicts
    assert Cancellation(actions, ["TransactionConflict", "None"]).only_conflicts


def test_claims_are_put_only_where_nobody_holds_the_value():
    (email, issued) = claims.claim_actions("users", "acc_1", "ada@x.edu", {"S1": "ID7"})
    assert email["Put"]["Item"] == {**keys.email_claim("ada@x.edu"), "kind": "email-claim",
                                    "accountId": "acc_1"}  # fmt: skip
    assert issued["Put"]["Item"]["accountId"] == "acc_1"
    assert email["Put"]["ConditionExpression"] == "attribute_not_exists(userId)"
    assert claims.claim_actions("users", "acc_1", None, {}) == []
    mine = claims.put_claim("users", issued["Put"]["Item"], or_mine=True)["Put"]
    assert mine["ExpressionAttributeValues"] == {":me": "acc_1"}


def test_an_update_names_every_attribute_and_value():
    update = (
        Update()
        .set_all({"name": "Ada", "email": None})
        .set("createdAt", 5, if_absent=True)
        .remove("email")
        .add("orgs", {"acme"})
        .when("attribute_exists(pk)")
        .when("#name <> :old", old="Bob")
    )
    request = update.request(keys.member("cls_1", "acc_1"))
    assert request["UpdateExpression"] == (
        "SET #name = :name, #createdAt = if_not_exists(#createdAt, :createdAt) "
        "REMOVE #email ADD #orgs :orgs"
    )
    assert request["ConditionExpression"] == "attribute_exists(pk) AND #name <> :old"
    assert request["ExpressionAttributeValues"] == {
        ":name": "Ada", ":createdAt": 5, ":orgs": {"acme"}, ":old": "Bob"
    }  # fmt: skip
    assert set(request["ExpressionAttributeNames"].values()) == {
        "name",
        "createdAt",
        "email",
        "orgs",
    }
