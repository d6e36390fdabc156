"""Simultaneous first launches of one user while DynamoDB throttles and transactions
conflict (faults injected into the product's client): one account, one link, one
email claim, one audit record; every launch enters."""

from __future__ import annotations

import pytest

from coursebridge.accounts.resolve import Entered
from tests.faults import (
    CANCELLED,
    IN_PROGRESS,
    THROTTLED,
    THROTTLING,
    Fault,
    Plan,
    injected,
)
from tests.integration.accounts_support import (
    INSTRUCTOR,
    LEARNER,
    all_accounts,
    audit_actions,
    email_claims,
    launch,
    link_target,
    links_of,
    make_org,
)
from tests.integration.test_accounts_concurrency import race

pytestmark = pytest.mark.integration

TRANSACTION_FAULTS = [
    Fault("TransactWriteItems", CANCELLED, reason="TransactionConflict"),
    Fault("TransactWriteItems", THROTTLED),
    Fault("TransactWriteItems", CANCELLED, reason="ThrottlingError"),
    Fault("TransactWriteItems", THROTTLING),
    Fault("TransactWriteItems", IN_PROGRESS),
]
READ_FAULTS = [  # answered 400 on the wire: botocore's own retries take them
    Fault("GetItem", THROTTLED, stage="send"),
    Fault("GetItem", THROTTLING, stage="send"),
]


@pytest.mark.parametrize("roles", [[LEARNER], [INSTRUCTOR]], ids=["student", "teacher"])
def test_first_launches_of_one_user_under_faults_make_one_account(stack, roles):
    org = make_org()
    transactions = Plan(TRANSACTION_FAULTS, first=10, rate=0.3)
    reads = Plan(READ_FAULTS, first=4)
    with injected(transactions, reads):
        outcomes = race([launch("same-user", roles=roles) for _ in range(20)], org)
    assert transactions.injected.keys() == {"TransactionConflict", THROTTLED, "ThrottlingError",
                                            THROTTLING, IN_PROGRESS}  # fmt: skip
    assert reads.injected == {THROTTLED: 2, THROTTLING: 2}
    assert all(isinstance(o, Entered) for o in outcomes)
    (account,) = all_accounts()
    assert {o.account.account_id for o in outcomes} == {account.account_id}
    assert len(links_of()) == 1 and link_target("same-user") == account.account_id
    assert email_claims() == {"ada@example.edu": account.account_id}
    assert audit_actions("acme") == ["created"]  # no write was applied twice
