"""Partition keys under load: how the items a busy moment writes spread over key values.

Two scenarios on the local stack, each through the product's own code paths:

(a) a CSV import of ``--import-rows`` (3,000) users into one school: the upload goes
    to S3 with its ticket and the import handler runs from the SQS message, as deployed;
(b) ``--launches`` (1,000) first launches spread over ``--orgs`` (10) organizations,
    each with its own LMS registration: ``resolve_launch_account`` then
    ``enter_course``, as the launch handler calls them. Each org has ``--courses`` (4)
    courses of one activity; a course's first launch is its teacher's, the rest are
    students' (so a class of 25 at the defaults).

Every item a successful DynamoDB write request put or updated is recorded (a botocore
event hook on the clients: the request's keys before the call, kept when it succeeded),
including items deleted later. Printed per table: the items written, the distinct
partition key values, and the share of items of the most frequent values (the target:
none above 2%); the write requests of the busiest value too, since a partition's
throughput is shared by every write to it, repeated updates of one item included.

    .venv/bin/python -m bench.partition_keys [--import-rows 3000] [--launches 1000]
        [--orgs 10] [--courses 4]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursebridge import aws
from coursebridge.accounts.resolve import Entered, resolve_launch_account
from coursebridge.classes.enter import enter_course
from coursebridge.imports.jobs import FINISHED, JobStore
from coursebridge.imports.options import Upload
from coursebridge.imports.upload import upload_metadata
from coursebridge.lti.claims import LaunchClaims
from coursebridge.settings import get_settings
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.orgs import Org, OrgStore
from local.environment import Ports
from local.servers import free_port
from local.stack import LocalStack

LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
HASH_KEYS = {"platform", "pk"}
RANGE_KEYS = {"userId", "sk"}
TARGET = 0.02


def _plain(value: Any) -> str:
    """A key attribute in wire format ({"S": "…"}) or as a plain value."""
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value.values())))
    return str(value)


def _keys(table: str, body: dict) -> tuple[str, str, str] | None:
    attributes = body.get("Item") or body.get("Key") or {}
    hash_key = next((_plain(attributes[k]) for k in HASH_KEYS if k in attributes), None)
    range_key = next((_plain(attributes[k]) for k in RANGE_KEYS if k in attributes), "")
    return (table, hash_key, range_key) if hash_key is not None else None


def written_keys(operation: str, params: dict) -> list[tuple[str, str, str]]:
    """(table, partition key, sort key) of every item a write request puts or updates."""
    found: list[tuple[str, str, str] | None] = []
    if operation in ("PutItem", "UpdateItem"):
        found.append(_keys(params["TableName"], params))
    elif operation == "TransactWriteItems":
        for action in params["TransactItems"]:
            for kind in ("Put", "Update"):
                if kind in action:
                    found.append(_keys(action[kind]["TableName"], action[kind]))
    elif operation == "BatchWriteItem":
        for table, requests in params["RequestItems"].items():
            found += [_keys(table, r["PutRequest"]) for r in requests if "PutRequest" in r]
    return [key for key in found if key is not None]


@dataclass
class WriteRecorder:
    """Keys of the items written by successful requests of this process's clients."""

    requests: Counter = field(default_factory=Counter)  # (table, pk) → write requests
    items: set = field(default_factory=set)  # (table, pk, sk)

    def attach(self) -> None:
        for client in (aws.dynamodb().meta.client, aws.bulk_client("dynamodb")):
            client.meta.events.register_last("before-parameter-build.dynamodb", self._before)
            client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, params: dict, model: Any, context: dict, **_: object) -> None:
        context["written_keys"] = written_keys(model.name, params)

    def _after(self, http_response: Any, context: dict, **_: object) -> None:
        if http_response.status_code != 200:
            return
        for table, pk, sk in context.get("written_keys", ()):
            self.items.add((table, pk, sk))
            self.requests[(table, pk)] += 1

    def clear(self) -> None:
        self.requests.clear()
        self.items.clear()


def report(title: str, recorder: WriteRecorder, top: int = 3) -> float:
    """Print the per-table spread; return the largest share of any partition key value."""
    print(f"\n{title}")
    tables = {get_settings().users_table: "users", get_settings().app_table: "app"}
    per_table: dict[str, Counter] = defaultdict(Counter)
    for table, pk, _ in recorder.items:
        per_table[table][pk] += 1
    worst = 0.0
    total = sum(sum(c.values()) for c in per_table.values())
    for table, counts in sorted(per_table.items()):
        items = sum(counts.values())
        print(
            f"  {tables.get(table, table)} table: {items} items, {len(counts)} partition key values"
        )
        for pk, count in counts.most_common(top):
            share = count / items
            print(
                f"    {share:7.2%}  {count:>6} items  {recorder.requests[(table, pk)]:>6} writes"
                f"  {pk[:70]}"
            )
        if items >= 1 / TARGET:  # fewer items than 50 cannot meet the target by definition
            worst = max(worst, counts.most_common(1)[0][1] / items)
    every = Counter(pk for table, pk, _ in recorder.items)
    pk, count = every.most_common(1)[0]
    print(f"  both tables: {total} items; the busiest value holds {count / total:.2%}: {pk[:70]}")
    return worst


# ------------------------------------------------------------------ (a) CSV import
def import_admin() -> str:
    OrgStore().create(Org(org_id="district", name="District", schools=["S1"]))
    admin = AccountStore().create(Account(email="admin@district.edu", is_teacher=True))
    AccountStore().grant_admin(admin.account_id, "district", "S1")
    return admin.account_id


def import_users(stack: LocalStack, admin: str, rows: int, tmp: Path) -> None:
    path = tmp / "users.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["firstName", "lastName", "email", "isTeacher", "issuedID", "schoolID"])
        for i in range(rows):
            writer.writerow([f"First{i}", f"Last{i}", f"user{i}@district.edu", int(i % 30 == 0),
                             f"ID{i:07d}", "S1"])  # fmt: skip
    bucket = stack.resource("ImportsBucket")
    key = f"uploads/{admin}/users.csv"
    poller = stack.make_pollers()["CsvImportFunction"]
    metadata = upload_metadata(key)
    aws.client("s3").upload_file(str(path), bucket, key, ExtraArgs={"Metadata": metadata})
    version = aws.client("s3").head_object(Bucket=bucket, Key=key)["VersionId"]
    upload = Upload(bucket, key, version)
    jobs = JobStore("bench")
    while (job := jobs.get(upload)) is None or job.status not in FINISHED:
        poller.poll_once(wait_seconds=1)
    if job.counts.get("created") != rows:
        raise RuntimeError(f"the import did not create every user: {job.counts}")


# ------------------------------------------------------------------ (b) first launches
def launch_claims(org: int, course: int, person: int) -> LaunchClaims:
    role = "Instructor" if person == 0 else "Learner"
    sub = f"user-{org}-{course}-{person}"
    return LaunchClaims(
        launch_id=f"launch-{sub}",
        issuer="https://canvas.example.com",  # one issuer, as every Canvas cloud school has
        client_id=f"client-{org}",
        registration_id=f"reg_org{org}",
        deployment_id="dep-1",
        message_type="LtiResourceLinkRequest",
        target_link_uri="https://tool.example/lti/launch",
        sub=sub,
        email=f"{sub}@org{org}.example.edu",
        given_name="Person",
        family_name=sub,
        roles=[f"{LIS}{role}"],
        context_id=f"course-{course}",
        context_title=f"Course {course}",
        resource_link_id=f"link-{course}",
        resource_link_title="Activity",
    )


def make_orgs(orgs: int) -> list[Org]:
    records = [Org(org_id=f"org{o}", name=f"Org {o}", schools=[f"org{o}-s"]) for o in range(orgs)]
    for org in records:
        OrgStore().create(org)
    return records


def first_launches(org_records: list[Org], launches: int, courses: int) -> None:
    orgs = len(org_records)
    per_course = max(1, launches // (orgs * courses))
    teachers = [(o, c, 0) for o in range(orgs) for c in range(courses)]
    students = [
        (o, c, p) for p in range(1, per_course) for o in range(orgs) for c in range(courses)
    ]

    def one(where: tuple[int, int, int]) -> None:
        org = org_records[where[0]]
        claims = launch_claims(*where)
        entered = resolve_launch_account(claims, org)
        if not isinstance(entered, Entered):
            raise RuntimeError(f"launch {claims.sub} did not enter: {entered}")
        enter_course(claims, entered, org, line_item_max=lambda _claims: None)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, teachers))  # each course's teacher first: class and unit
        list(pool.map(one, students[: launches - len(teachers)]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-rows", type=int, default=3_000)
    parser.add_argument("--launches", type=int, default=1_000)
    parser.add_argument("--orgs", type=int, default=10)
    parser.add_argument("--courses", type=int, default=4, help="courses per organization")
    args = parser.parse_args(argv or [])
    ports = Ports(http=free_port(), moto=free_port(), dynamodb=free_port(), demo_lms=free_port())
    stack = LocalStack(ports, http=False, pollers=False).start()
    began = time.perf_counter()
    try:
        recorder = WriteRecorder()
        recorder.attach()
        with tempfile.TemporaryDirectory() as tmp:
            stack.reset()
            admin = import_admin()
            recorder.clear()  # what the import writes, not the set-up
            import_users(stack, admin, args.import_rows, Path(tmp))
            worst_import = report(
                f"(a) CSV import of {args.import_rows} users into one school", recorder
            )
        stack.reset()
        org_records = make_orgs(args.orgs)
        recorder.clear()
        first_launches(org_records, args.launches, args.courses)
        worst_launch = report(
            f"(b) {args.launches} first launches over {args.orgs} organizations "
            f"({args.courses} courses each)",
            recorder,
        )
    finally:
        stack.stop()
    verdict = "met" if max(worst_import, worst_launch) <= TARGET else "NOT met"
    print(
        f"\nlargest share of one partition key value (tables of >= {1 / TARGET:.0f} items): "
        f"import {worst_import:.2%}, launches {worst_launch:.2%}; target <= {TARGET:.0%}: "
        f"{verdict} ({time.perf_counter() - began:.0f} s)"
    )


if __name__ == "__main__":
    main()
