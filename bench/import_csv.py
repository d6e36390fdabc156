"""CSV import benchmark on the local stack (DynamoDB Local + moto server).

Measures the batched, streamed importer end to end (S3 upload → SQS → handler →
report) on a generated file: rows/s, DynamoDB requests per row (counted with a
botocore event hook), and peak Python memory (tracemalloc) on a small and a large
file. The baseline, measured in the same run, is a naive importer: the whole file
read into memory, then one row at a time (GetItem on the email claim, then a
transaction per new account).

    .venv/bin/python -m bench.import_csv [--rows 100000] [--small 10000] [--baseline-rows 5000]
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from coursebridge import aws
from coursebridge.imports.errors import RowFailure
from coursebridge.imports.jobs import JobStore
from coursebridge.imports.options import Upload
from coursebridge.imports.parse import Header, Record
from coursebridge.imports.validate import validate_record
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.orgs import Org, OrgStore
from local.environment import Ports
from local.servers import free_port
from local.stack import LocalStack

HEADER = ["firstName", "lastName", "email", "isTeacher", "issuedID", "schoolID"]


@dataclass
class Run:
    name: str
    rows: int
    seconds: float
    requests: int
    peak_mb: float | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def requests_per_row(self) -> float:
        return self.requests / self.rows


class RequestCounter:
    """Counts DynamoDB API calls made by this process (retries included)."""

    def __init__(self) -> None:
        self.count = 0
        aws.dynamodb().meta.client.meta.events.register("before-send.dynamodb", self._count)

    def _count(self, **_: object) -> None:
        self.count += 1


def generate(path: Path, rows: int) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(
                [
                    f"First{i}",
                    f"Last{i}",
                    f"user{i}@example.edu",
                    int(i % 7 == 0),
                    f"ID{i:07d}",
                    "S1" if i % 2 else "S2",
                ]
            )


def setup_admin() -> str:
    OrgStore().create(Org(org_id="bench", name="Bench", schools=["S1", "S2"]))
    admin = AccountStore().create(Account(email="admin@bench.edu", is_teacher=True))
    for school in ("S1", "S2"):
        AccountStore().grant_admin(admin.account_id, "bench", school)
    return admin.account_id


def batched_import(stack: LocalStack, path: Path, admin: str, counter: RequestCounter) -> Run:
    rows = sum(1 for _ in path.open()) - 1
    bucket = stack.resource("ImportsBucket")
    key = f"uploads/{admin}/{path.name}"
    poller = stack.make_pollers()["CsvImportFunction"]
    jobs = JobStore("bench")
    start_requests = counter.count
    started = time.perf_counter()
    aws.client("s3").upload_file(str(path), bucket, key)  # streams the file
    version = aws.client("s3").head_object(Bucket=bucket, Key=key)["VersionId"]
    upload = Upload(bucket, key, version)
    while True:
        poller.poll_once(wait_seconds=1)
        job = jobs.get(upload)
        if job is not None and job.status in ("completed", "file_error"):
            break
    seconds = time.perf_counter() - started
    assert job.counts["created"] == rows, job.counts
    return Run("batched", rows, seconds, counter.count - start_requests)


def naive_import(path: Path, admin: str, counter: RequestCounter) -> Run:
    """What a first attempt looks like: everything in memory, one row at a time."""
    text = path.read_bytes().decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    header = Header.from_cells(next(reader))
    accounts = AccountStore()
    uploader = accounts.get(admin)
    allowed = uploader.admin_schools if uploader else set()
    start_requests = counter.count
    started = time.perf_counter()
    rows = 0
    for number, cells in enumerate(reader, start=2):
        rows += 1
        row = validate_record(Record(number, cells, number, 0), header, allowed)
        if isinstance(row, RowFailure):
            continue
        if accounts.account_id_for_email(row.email) is None:
            accounts.create(
                Account(
                    email=row.email,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    is_teacher=row.is_teacher,
                    schools={row.school_id},
                    orgs={"bench"},
                    issued_ids={row.school_id: row.issued_id},
                    source="csv",
                )
            )
    seconds = time.perf_counter() - started
    assert len(AccountStore().get(admin).admin_schools) == 2
    return Run("naive", rows, seconds, counter.count - start_requests)


def measure_memory(stack: LocalStack, path: Path, counter: RequestCounter) -> Run:
    stack.reset()
    admin = setup_admin()
    tracemalloc.start()
    try:
        run = batched_import(stack, path, admin, counter)
        run.peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=5_000)
    args = parser.parse_args(argv or [])
    ports = Ports(http=free_port(), moto=free_port(), dynamodb=free_port(), demo_lms=free_port())
    stack = LocalStack(ports, http=False, pollers=False).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            big, small, base = (Path(tmp) / f"{n}.csv" for n in ("big", "small", "baseline"))
            generate(big, args.rows)
            generate(small, args.small)
            generate(base, args.baseline_rows)
            counter = RequestCounter()

            stack.reset()
            naive = naive_import(base, setup_admin(), counter)
            # tracemalloc slows Python code down a little: rows/s is measured under it
            # for both sizes, which keeps the runs comparable and the benchmark short.
            small_run = measure_memory(stack, small, counter)
            batched = measure_memory(stack, big, counter)
    finally:
        stack.stop()

    print(f"{'importer':<10}{'rows':>9}{'seconds':>10}{'rows/s':>10}{'DDB req/row':>13}")
    for run in (naive, batched):
        print(
            f"{run.name:<10}{run.rows:>9}{run.seconds:>10.1f}{run.rows_per_second:>10.0f}"
            f"{run.requests_per_row:>13.3f}"
        )
    print(
        f"speed-up: {batched.rows_per_second / naive.rows_per_second:.1f}x rows/s; "
        f"requests per row {naive.requests_per_row / batched.requests_per_row:.0f}x fewer"
    )
    print(
        f"peak traced memory (batched, whole process incl. boto3): "
        f"{small_run.rows} rows {small_run.peak_mb:.1f} MB, "
        f"{batched.rows} rows {batched.peak_mb:.1f} MB "
        f"(ratio {batched.peak_mb / small_run.peak_mb:.2f} "
        f"for {batched.rows / small_run.rows:.0f}x rows)"
    )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
