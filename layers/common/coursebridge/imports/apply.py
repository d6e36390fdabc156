"""Batched account look-ups and writes on the users table.

Look-ups: BatchGetItem (consistent, 100 keys each) for the rows' email and issuedID
claims, then for the accounts behind the emails. Writes: TransactWriteItems of up to
100 actions, whole rows only (an account with its claims); when a transaction is
cancelled, the rows whose conditions failed fail alone and the others are sent again
together.

Requests are independent of each other within a step (the first pass has already
failed every row that repeats an email or issuedID of another row, so no two rows
of a window touch the same claim), so each step's requests go out together from a
small bounded thread pool: DynamoDB's latency overlaps instead of adding up. Items
are converted to DynamoDB's wire format (imports/wire.py) and sent on a client without
client-side validation: at thousands of items per second the boto3 resource
layer's conversions cost more CPU than the requests themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple, TypeVar

__all__ = ["AccountBatches", "RowWrite", "Transaction", "wire_action"]

from botocore.exceptions import ClientError

from coursebridge import aws
from coursebridge.backoff import is_transient, retry_transient, until_processed
from coursebridge.imports.errors import RowError, RowFailure
from coursebridge.imports.plan import (
    ISSUED_TAKEN,
    Create,
    Existing,
    Lookups,
    Plan,
    Stamp,
    Update,
)
from coursebridge.imports.validate import UserRow
from coursebridge.imports.wire import from_wire, to_wire, wire_action
from coursebridge.settings import get_settings
from coursebridge.store import claims, keys
from coursebridge.store.accounts import USERNAME_ATTEMPTS, Account, give_username
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.errors import (
    EmailAlreadyClaimed,
    IssuedIdAlreadyClaimed,
    UsernameAlreadyClaimed,
)
from coursebridge.store.transactions import Cancellation

MAX_GET_KEYS = 100
MAX_ACTIONS = 100
WORKERS = 4  # requests in flight at once, per import
EMAIL_TAKEN = "Email was taken by another account during the import; upload this row again"
ACCOUNT_CHANGED = "The account changed during the import; upload this row again"


T = TypeVar("T")
R = TypeVar("R")


class RowWrite(NamedTuple):
    """One row's actions in a transaction, as the plan built them and in wire format."""

    plan: Create | Update
    actions: list[dict]
    wire: list[dict]


Transaction = list[RowWrite]  # whole rows, up to MAX_ACTIONS actions


class AccountBatches:
    """Use as a context manager (it owns a thread pool), or call ``close()``."""

    def __init__(
        self, job_id: str, workers: int = WORKERS, on_answer: Callable[[], None] | None = None
    ) -> None:
        self.job_id = job_id
        self.on_answer = on_answer  # called when a send's first transaction is answered
        self.table = get_settings().users_table
        self.client = aws.bulk_client("dynamodb")
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="import-ddb")
        self._renames: dict[int, int] = {}  # row → usernames tried after its first

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> AccountBatches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _all(self, work: Callable[[T], R], parts: Sequence[T]) -> list[R]:
        """``work`` on every part, concurrently; the first exception propagates."""
        if len(parts) == 1:
            return [work(parts[0])]
        return list(self._pool.map(work, parts))

    # ---------------------------------------------------------------- reads
    def _batch_get(self, keys: Sequence[dict]) -> list[dict]:
        unique = list({(k["platform"], k["userId"]): k for k in keys}.values())
        chunks = [unique[i : i + MAX_GET_KEYS] for i in range(0, len(unique), MAX_GET_KEYS)]
        return [item for found in self._all(self._get_chunk, chunks) for item in found]

    def _get_chunk(self, keys: Sequence[dict]) -> list[dict]:
        found: list[dict] = []
        wire_keys = [to_wire(key) for key in keys]
        request = {self.table: {"Keys": wire_keys, "ConsistentRead": True}}
        for response in until_processed(self._send_get, request, "UnprocessedKeys"):
            found += [from_wire(item) for item in response["Responses"].get(self.table, [])]
        return found

    def _send_get(self, request: dict) -> dict:
        return self.client.batch_get_item(RequestItems=request)

    def lookup(self, rows: Iterable[UserRow]) -> Lookups:
        email_holders, issued_holders = self._claim_holders(list(rows))
        return Lookups(
            accounts_by_email=self._accounts_by_email(email_holders), issued_holders=issued_holders
        )

    def _claim_holders(
        self, rows: list[UserRow]
    ) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
        """The accounts holding the rows' emails, and those holding their (school, issuedID)."""
        claim_keys = [keys.email_claim(row.email) for row in rows]
        claim_keys += [keys.issued_claim(row.school_id, row.issued_id) for row in rows]
        email_holders: dict[str, str] = {}
        issued_holders: dict[tuple[str, str], str] = {}
        for item in self._batch_get(claim_keys):
            kind, value = keys.claim_of(item) or ("", "")
            if kind == "email":
                email_holders[value] = item["accountId"]
            else:
                issued_holders[(kind.removeprefix("issued:"), value)] = item["accountId"]
        return email_holders, issued_holders

    def _accounts_by_email(self, email_holders: dict[str, str]) -> dict[str, Existing]:
        """The accounts behind the email claims, as the plan sees them; gone ones left out."""
        if not email_holders:
            return {}
        account_keys = [keys.account(a) for a in email_holders.values()]
        by_id = {item["userId"]: item for item in self._batch_get(account_keys)}
        accounts: dict[str, Existing] = {}
        for email, account_id in email_holders.items():
            found = by_id.get(account_id)
            if found is not None:
                accounts[email] = Existing(Account.from_item(found), _stamp(found))
        return accounts

    # ---------------------------------------------------------------- writes
    def actions(self, plan: Create | Update) -> list[dict]:
        now = now_epoch()
        stamp = {":job": self.job_id, ":row": plan.row.row}
        if isinstance(plan, Create):
            return self._create_actions(plan, now)
        return self._update_actions(plan, now, stamp)

    def _create_actions(self, plan: Create, now: int) -> list[dict]:
        item = plan.account.to_item()
        item.update(
            importJob=self.job_id,
            importRow=plan.row.row,
            importOutcome="created",
            createdAt=now,
            updatedAt=now,
        )
        row = plan.row
        account = {"TableName": self.table, "Item": item, "ConditionExpression": claims.FREE}
        return [
            {"Put": account},
            *claims.claim_actions(
                self.table,
                plan.account.account_id,
                row.email,
                {row.school_id: row.issued_id},
                plan.account.username,
            ),
        ]

    def _update_actions(self, plan: Update, now: int, stamp: dict) -> list[dict]:
        account = plan.before.account
        row = plan.row
        issued_ids = {**account.issued_ids, row.school_id: row.issued_id}
        values: dict[str, Any] = {
            ":first": row.first_name,
            ":last": row.last_name,
            ":teacher": row.is_teacher,
            ":issued": issued_ids,
            ":school": {row.school_id},
            ":org": plan.org_id,
            ":one": 1,
            ":outcome": "updated",
            ":now": now,
            ":seen": account.updated_at,
            **stamp,
        }
        sets = [
            "firstName = :first", "lastName = :last", "isTeacher = :teacher",
            "issuedIds = :issued", "importJob = :job", "importRow = :row",
            "importOutcome = :outcome", "updatedAt = :now",
        ]  # fmt: skip
        if plan.password_hash:
            sets += ["passwordHash = :hash", "mustChangePassword = :true"]
            values.update({":hash": plan.password_hash, ":true": True})
        actions = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": keys.account(account.account_id),
                    "UpdateExpression": "SET " + ", ".join(sets) + " ADD schools :school",
                    # the plan's authority rule, checked again at write time: still the
                    # account it looked at, and still this organization's alone
                    "ConditionExpression": "attribute_exists(userId) AND updatedAt = :seen "
                    "AND size(orgs) = :one AND contains(orgs, :org)",
                    "ExpressionAttributeValues": values,
                }
            }
        ]
        if account.issued_ids.get(row.school_id) != row.issued_id:
            claim = claims.issued_claim_item(row.school_id, row.issued_id, account.account_id)
            actions.append(claims.put_claim(self.table, claim, or_mine=True))
        if plan.old_issued_id:
            old = keys.issued_claim(row.school_id, plan.old_issued_id)
            actions.append(claims.release_claim(self.table, old, account.account_id, or_gone=True))
        return actions

    def transactions(self, plans: Iterable[Plan]) -> Iterator[Transaction]:
        """The Creates/Updates as transactions of whole rows, up to MAX_ACTIONS actions,
        already in wire format (pure: build them ahead, send them later)."""
        group: Transaction = []
        size = 0
        usernames: set[str | None] = {None}
        for plan in plans:
            if not isinstance(plan, Create | Update):
                continue
            if isinstance(plan, Create):  # two new rows never claim one username together
                _unique_username(plan.account, usernames)
            actions = self.actions(plan)
            if size + len(actions) > MAX_ACTIONS:
                yield group
                group, size = [], 0
            group.append(RowWrite(plan, actions, [wire_action(a) for a in actions]))
            size += len(actions)
        if group:
            yield group

    def apply(self, plans: Iterable[Plan]) -> dict[int, RowFailure]:
        """Write every Create/Update; returns the rows that failed while writing."""
        return self.send(self.transactions(plans))

    def send(self, transactions: Iterable[Transaction]) -> dict[int, RowFailure]:
        """Each transaction goes to the pool as soon as it is there (built ahead, or built
        while the first ones are being written); returns the rows that failed."""
        sent = [self._pool.submit(self._write_group, group) for group in transactions]
        failures: dict[int, RowFailure] = {}
        for index, future in enumerate(sent):  # in order; the first exception propagates
            failures.update(future.result())
            if index == 0 and self.on_answer is not None:
                self.on_answer()
        return failures

    def _write_group(self, group: Transaction) -> dict[int, RowFailure]:
        """Write the group in one transaction; rows whose conditions fail fail alone.

        A cancelled transaction says, action by action, which condition failed
        (``CancellationReasons``): those rows fail and the rest go again together, so a
        conflict costs one more transaction, not one per row. Without reasons (no
        store we know of omits them) the rows go one transaction each. A transaction
        still throttled or conflicting after the bounded retries fails no row: the error
        propagates and the whole batch is replayed from its checkpoint.
        """
        failures: dict[int, RowFailure] = {}
        pending = group
        while pending:
            try:
                self._transact([action for member in pending for action in member.wire])
                return failures
            except ClientError as error:
                reasons = _row_cancellation_reasons(error)
            refused = self._refused_rows(pending, reasons)
            if not refused:
                failures.update(self._write_alone(pending, reasons))
                return failures
            renamed = {}
            for member, row_reasons in refused:
                again = self._renamed(member, row_reasons)
                if again is not None:
                    renamed[member.plan.row.row] = again
                else:
                    failures[member.plan.row.row] = self._failure(member, row_reasons)
            pending = [renamed.get(m.plan.row.row, m) for m in pending
                       if m.plan.row.row not in failures]  # fmt: skip
        return failures

    def _renamed(self, member: RowWrite, reasons: list[dict]) -> RowWrite | None:
        """A new account refused only because its username was taken meanwhile, with its
        next username; None for any other refusal (or after the last choice)."""
        plan = member.plan
        codes = [str(r.get("Code") or "None") for r in reasons]
        refused = Cancellation(member.actions, codes).errors()
        if not isinstance(plan, Create) or not refused:
            return None
        if not all(isinstance(error, UsernameAlreadyClaimed) for error in refused):
            return None
        attempt = self._renames.get(plan.row.row, 0) + 1
        if attempt >= USERNAME_ATTEMPTS:
            return None
        self._renames[plan.row.row] = attempt
        give_username(plan.account, attempt)
        actions = self.actions(plan)
        return RowWrite(plan, actions, [wire_action(a) for a in actions])

    def _write_alone(self, group: Transaction, reasons: list[dict]) -> dict[int, RowFailure]:
        """A cancellation that names no row: a lone row fails, several go one transaction each."""
        if len(group) == 1:
            return {group[0].plan.row.row: self._failure(group[0], reasons)}
        failures: dict[int, RowFailure] = {}
        for member in group:
            failures.update(self._write_group([member]))
        return failures

    @staticmethod
    def _refused_rows(group: Transaction, reasons: list[dict]) -> list[tuple[RowWrite, list[dict]]]:
        """The rows with a failed condition, each with its own slice of the reasons."""
        if len(reasons) != sum(len(member.actions) for member in group):
            return []
        refused = []
        start = 0
        for member in group:
            row_reasons = reasons[start : start + len(member.actions)]
            start += len(member.actions)
            if any(r.get("Code") == "ConditionalCheckFailed" for r in row_reasons):
                refused.append((member, row_reasons))
        return refused

    def _transact(self, wire: list[dict]) -> None:
        retry_transient(lambda: self.client.transact_write_items(TransactItems=wire))

    def _failure(self, member: RowWrite, reasons: list[dict]) -> RowFailure:
        plan = member.plan
        codes = [str(r.get("Code") or "None") for r in reasons]
        refused = Cancellation(member.actions, codes).errors()
        message, field = ACCOUNT_CHANGED, ""
        if refused and isinstance(refused[0], EmailAlreadyClaimed):
            message, field = EMAIL_TAKEN, "email"
        elif refused and isinstance(refused[0], IssuedIdAlreadyClaimed):
            message, field = ISSUED_TAKEN, "issuedID"
        row = plan.row
        return RowFailure(row.row, row.cells, [RowError(row.row, field, message)])


def _unique_username(account: Account, taken: set[str | None]) -> None:
    """Give ``account`` its next username while another row of this send has its own."""
    attempt = 0
    while account.username in taken:
        attempt += 1
        give_username(account, attempt)
    taken.add(account.username)


def _row_cancellation_reasons(error: ClientError) -> list[dict]:
    """The reasons of a transaction cancelled by the rows' conditions; any other error raises.

    Throttled or conflicting still after the retries is never a row's fault: it propagates.
    """
    if error.response["Error"]["Code"] != "TransactionCanceledException" or is_transient(error):
        raise error
    return error.response.get("CancellationReasons") or []


def _stamp(item: dict) -> Stamp | None:
    if "importJob" not in item:
        return None
    return Stamp(str(item["importJob"]), int(item["importRow"]), str(item["importOutcome"]))
