"""The raw writer of bench/import_csv.py: the importer's writes for a file of new users and
nothing else (see that module's docstring)."""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from coursebridge import aws
from coursebridge.collector import no_full_collections
from coursebridge.imports import run as import_run
from coursebridge.imports.apply import MAX_ACTIONS, WORKERS, wire_action
from coursebridge.settings import get_settings
from coursebridge.store import claims
from coursebridge.store.accounts import Account, give_username

ITEMS_PER_USER = 4  # account, email claim, issuedID claim, username claim


def raw_transactions(path: Path) -> list[list[list[dict]]]:
    """The importer's writes for a file of new users, built ahead: per batch of
    ``BATCH_ROWS`` rows, transactions of whole users (account, email claim, issuedID
    claim, username claim) up to ``MAX_ACTIONS`` actions, in wire format."""
    table = get_settings().users_table
    users_per_transaction = MAX_ACTIONS // ITEMS_PER_USER
    with path.open(newline="") as source:
        reader = csv.reader(source)
        next(reader)
        users = []
        for number, (first, last, email, teacher, issued, school) in enumerate(reader, 2):
            account = Account(email=email, first_name=first, last_name=last,
                              is_teacher=teacher == "1", schools={school}, orgs={"bench"},
                              issued_ids={school: issued}, source="csv")  # fmt: skip
            give_username(account)
            item = account.to_item()
            item.update(importJob="raw", importRow=number, importOutcome="created",
                        createdAt=0, updatedAt=0)  # fmt: skip
            account_put = {"Put": {"TableName": table, "Item": item,
                                   "ConditionExpression": claims.FREE}}  # fmt: skip
            user_claims = claims.claim_actions(
                table, account.account_id, email, {school: issued}, account.username
            )
            users.append([wire_action(action) for action in (account_put, *user_claims)])
    batches = []
    for start in range(0, len(users), import_run.BATCH_ROWS):
        batch = users[start : start + import_run.BATCH_ROWS]
        batches.append([
            [action for user in batch[i : i + users_per_transaction] for action in user]
            for i in range(0, len(batch), users_per_transaction)
        ])  # fmt: skip
    return batches


def write_all(batches: list[list[list[dict]]]) -> None:
    """Each batch's transactions from a pool of the importer's size, batch after batch."""
    client = aws.bulk_client("dynamodb")
    with no_full_collections(), ThreadPoolExecutor(WORKERS) as pool:  # as the importer writes
        for batch in batches:
            list(
                pool.map(lambda actions: client.transact_write_items(TransactItems=actions), batch)
            )
