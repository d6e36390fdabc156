"""CSV import benchmark on the local stack (DynamoDB Local + moto server).

Measures the batched, streamed importer end to end (S3 upload → SQS → handler →
report) on a generated file: rows/s, DynamoDB requests per row (counted with a
botocore event hook), and peak memory on a small and a large file. The baseline,
measured in the same run, is a naive importer: the whole file read into memory, then
one row at a time (GetItem on the email claim, then a transaction per new account);
it runs on a smaller sample (``--baseline-rows``): its rate does not depend on the
file size, and 100,000 rows of it would take most of an hour.

Timing runs are not traced. Before any timed run, both importers run once untimed (the
batched one on a ``--warmup-rows`` file, the naive one on its first ``--baseline-rows``
rows): that loads every module, opens connections and lets DynamoDB Local's JIT compile
its write path (its CPU per item falls by half over the first ~30,000 items written), so
one-time costs count in neither figure; the naive importer runs last, fully warm. Memory is the
growth of the process's peak resident set over what it was after the warm-up; the small
file runs first, so a flat importer shows the same figure for both. ``--traced`` adds
separate tracemalloc runs (slower: Python allocations only, boto3 included).

Besides wall-clock rows/s, each run reports the CPU time DynamoDB Local (the Java
process) and this process spent per row: a figure that other work on the machine
disturbs far less than wall-clock time does.

Over loopback a request to DynamoDB Local costs no network time, while each request to
DynamoDB costs a round trip; and DynamoDB Local does every item's work on one SQLite
thread, while DynamoDB spreads it over partitions. Both differences favour the naive
importer (two requests per row, three items), so the comparison is also run with
modelled round trips (``--rtt-ms``, 2, 5 and 10 ms: in-region DynamoDB answers in
single-digit milliseconds): each request waits that long before it is sent, concurrent
ones together.

The raw writer, measured in the same run on the big file right after the batched importer,
writes the same four items per new user with the same transactions (whole users, up to 100
actions), the same batches of 1,000 rows and the same 4 requests in flight, under the same
garbage-collector policy (coursebridge/collector.py), built before the clock starts: no S3,
parsing, validation, planning or checkpoints. The importer's rows/s over
the raw writer's is the share of DynamoDB Local's capacity the importer uses.

    .venv/bin/python -m bench.import_csv [--rows 100000] [--small 10000]
        [--baseline-rows 2000] [--warmup-rows 10000] [--rtt-ms 2 5 10] [--ratio-runs 1]
        [--traced]
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import os
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench._raw_writer import ITEMS_PER_USER, raw_transactions, write_all
from coursebridge import aws
from coursebridge.imports.errors import RowFailure
from coursebridge.imports.jobs import FINISHED, JobStore
from coursebridge.imports.options import Upload
from coursebridge.imports.parse import Header, Record
from coursebridge.imports.upload import upload_metadata
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
    server_cpu: float = 0.0  # DynamoDB Local's CPU seconds during the run
    client_cpu: float = 0.0  # this process's CPU seconds during the run
    peak_mb: float | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def requests_per_row(self) -> float:
        return self.requests / self.rows

    def cpu_ms_per_row(self, seconds: float) -> float:
        return 1000 * seconds / self.rows


class CpuClock:
    """CPU seconds (user + system) of DynamoDB Local and of this process."""

    def __init__(self, stack: LocalStack) -> None:
        self.pid = next(p.process.pid for p in stack.processes if p.name == "DynamoDB Local")

    def read(self) -> tuple[float, float]:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        mine = resource.getrusage(resource.RUSAGE_SELF)
        return server, mine.ru_utime + mine.ru_stime

    def measure(self, work: Callable[[], Run]) -> Run:
        server, client = self.read()
        run = work()
        after = self.read()
        run.server_cpu, run.client_cpu = after[0] - server, after[1] - client
        return run


class RequestCounter:
    """Counts DynamoDB API calls made by this process (retries included) and, when
    ``rtt`` is set, holds each one back for that many seconds first: a network round
    trip, which DynamoDB Local over loopback does not have and DynamoDB always does.
    The wait releases the GIL, so concurrent requests wait together, as on a network."""

    def __init__(self) -> None:
        self.count = 0
        self.rtt = 0.0
        for client in (aws.dynamodb().meta.client, aws.bulk_client("dynamodb")):
            client.meta.events.register("before-send.dynamodb", self._send)

    def _send(self, **_: object) -> None:
        self.count += 1
        if self.rtt:
            time.sleep(self.rtt)


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
    metadata = upload_metadata(key)  # the upload ticket, as `coursebridge import` signs it
    start_requests = counter.count
    started = time.perf_counter()
    aws.client("s3").upload_file(str(path), bucket, key, ExtraArgs={"Metadata": metadata})
    version = aws.client("s3").head_object(Bucket=bucket, Key=key)["VersionId"]
    upload = Upload(bucket, key, version)
    while True:
        poller.poll_once(wait_seconds=1)
        job = jobs.get(upload)
        if job is not None and job.status in FINISHED:
            break
    seconds = time.perf_counter() - started
    assert job.counts["created"] == rows, job.counts
    return Run("batched", rows, seconds, counter.count - start_requests)


def naive_import(path: Path, admin: str, counter: RequestCounter, limit: int = 0) -> Run:
    """What a first attempt looks like: everything in memory, one row at a time."""
    text = path.read_bytes().decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    if limit:
        reader = itertools.islice(reader, limit + 1)
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


def raw_writer(path: Path, counter: RequestCounter) -> Run:
    """The same items with the same transactions, batch sizes and concurrency as the
    importer, and nothing else: no S3, parsing, validation, planning or checkpoints."""
    batches = raw_transactions(path)
    rows = sum(len(t) for batch in batches for t in batch) // ITEMS_PER_USER
    start_requests = counter.count
    started = time.perf_counter()
    write_all(batches)
    seconds = time.perf_counter() - started
    return Run("raw writer", rows, seconds, counter.count - start_requests)


def timed_raw(stack: LocalStack, path: Path, counter: RequestCounter, clock: CpuClock) -> Run:
    stack.reset()
    setup_admin()
    return clock.measure(lambda: raw_writer(path, counter))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def timed_batched(
    stack: LocalStack, path: Path, counter: RequestCounter, base_mb: float, clock: CpuClock
) -> Run:
    stack.reset()
    admin = setup_admin()
    run = clock.measure(lambda: batched_import(stack, path, admin, counter))
    run.peak_mb = peak_rss_mb() - base_mb
    return run


def traced_batched(stack: LocalStack, path: Path, counter: RequestCounter) -> float:
    stack.reset()
    admin = setup_admin()
    tracemalloc.start()
    try:
        batched_import(stack, path, admin, counter)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    parser.add_argument("--warmup-rows", type=int, default=10_000)
    parser.add_argument(
        "--rtt-ms",
        type=float,
        nargs="*",
        default=[2.0, 5.0, 10.0],
        help="modelled round trips per DynamoDB request to compare at (none: loopback only)",
    )
    parser.add_argument("--ratio-runs", type=int, default=1,
                        help="importer and raw writer this many times, alternately")  # fmt: skip
    parser.add_argument("--traced", action="store_true", help="also run under tracemalloc")
    args = parser.parse_args(argv or [])
    ports = Ports(http=free_port(), moto=free_port(), dynamodb=free_port(), demo_lms=free_port())
    stack = LocalStack(ports, http=False, pollers=False).start()
    traced: tuple[float, float] | None = None
    modelled: list[tuple[float, Run, Run]] = []
    began = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            paths = {n: Path(tmp) / f"{n}.csv" for n in ("big", "small", "base", "warm")}
            sizes = {"big": args.rows, "small": args.small, "base": args.baseline_rows,
                     "warm": args.warmup_rows}  # fmt: skip
            for name, rows in sizes.items():
                generate(paths[name], rows)
            counter = RequestCounter()
            clock = CpuClock(stack)

            stack.reset()  # warm-up, not timed: modules, connections, DynamoDB Local's JIT
            naive_import(paths["warm"], setup_admin(), counter, limit=args.baseline_rows)
            timed_batched(stack, paths["warm"], counter, 0.0, clock)
            base_mb = peak_rss_mb()
            small_run = timed_batched(stack, paths["small"], counter, base_mb, clock)
            batched = timed_batched(stack, paths["big"], counter, base_mb, clock)
            raw = timed_raw(stack, paths["big"], counter, clock)  # same file, same server
            ratios = [batched.rows_per_second / raw.rows_per_second]
            for _ in range(args.ratio_runs - 1):  # alternately again: the machine is noisy
                again = timed_batched(stack, paths["big"], counter, base_mb, clock)
                ratios.append(again.rows_per_second / timed_raw(stack, paths["big"], counter,
                                                                clock).rows_per_second)  # fmt: skip
            stack.reset()
            admin = setup_admin()
            naive = clock.measure(lambda: naive_import(paths["base"], admin, counter))
            for rtt_ms in args.rtt_ms:
                counter.rtt = rtt_ms / 1000
                try:
                    stack.reset()
                    admin = setup_admin()
                    slow_naive = clock.measure(partial(naive_import, paths["base"], admin, counter))
                    slow_batched = timed_batched(stack, paths["small"], counter, base_mb, clock)
                    modelled.append((rtt_ms, slow_naive, slow_batched))
                finally:
                    counter.rtt = 0.0
            if args.traced:
                traced = (
                    traced_batched(stack, paths["small"], counter),
                    traced_batched(stack, paths["big"], counter),
                )
    finally:
        stack.stop()

    print(
        f"warm-up (not timed): the batched importer imported a {args.warmup_rows}-row file, "
        f"the naive one its first {args.baseline_rows} rows"
    )
    print(
        f"{'importer':<11}{'network':>12}{'rows':>8}{'seconds':>9}{'rows/s':>8}"
        f"{'DDB req/row':>13}{'CPU ms/row: DDB Local':>23}{'importer':>10}"
    )
    table = [("loopback", run) for run in (naive, small_run, batched, raw)]
    for rtt_ms, *runs in modelled:
        table += [(f"+{rtt_ms:g} ms RTT", run) for run in runs]
    for network, run in table:
        print(
            f"{run.name:<11}{network:>12}{run.rows:>8}{run.seconds:>9.1f}"
            f"{run.rows_per_second:>8.0f}{run.requests_per_row:>13.3f}"
            f"{run.cpu_ms_per_row(run.server_cpu):>23.2f}{run.cpu_ms_per_row(run.client_cpu):>10.2f}"
        )
    cpu_ratio = (naive.server_cpu + naive.client_cpu) / naive.rows
    cpu_ratio /= (batched.server_cpu + batched.client_cpu) / batched.rows
    print(
        f"speed-up on loopback: {batched.rows_per_second / naive.rows_per_second:.1f}x rows/s "
        f"(batched at {batched.rows} rows vs naive at {naive.rows} rows, same run; "
        f"{small_run.rows_per_second / naive.rows_per_second:.1f}x at {small_run.rows} rows); "
        f"requests per row {naive.requests_per_row / batched.requests_per_row:.0f}x fewer; "
        f"CPU per row (DynamoDB Local + importer) {cpu_ratio:.1f}x less"
    )
    print(
        f"importer ÷ raw writer (rows/s, {batched.rows} rows, same run): "
        f"{batched.rows_per_second / raw.rows_per_second:.2f} (target >= 0.90; "
        f"{batched.rows_per_second:.0f} vs {raw.rows_per_second:.0f} rows/s on this machine)"
    )
    if len(ratios) > 1:
        low, high = min(ratios), max(ratios)
        print(f"importer ÷ raw writer over {len(ratios)} alternate pairs: median "
              f"{statistics.median(ratios):.2f}, range {low:.2f} to {high:.2f}")  # fmt: skip
    for rtt_ms, slow_naive, slow_batched in modelled:
        print(
            f"speed-up with a {rtt_ms:g} ms round trip per DynamoDB request: "
            f"{slow_batched.rows_per_second / slow_naive.rows_per_second:.1f}x rows/s "
            f"(batched at {slow_batched.rows} rows vs naive at {slow_naive.rows} rows)"
        )
    assert small_run.peak_mb is not None and batched.peak_mb is not None
    print(
        f"peak RSS growth over the warm-up (batched, whole process incl. boto3): "
        f"{small_run.rows} rows {small_run.peak_mb:.1f} MB, "
        f"{batched.rows} rows {batched.peak_mb:.1f} MB "
        f"(+{batched.peak_mb - small_run.peak_mb:.1f} MB "
        f"for {batched.rows / small_run.rows:.0f}x rows)"
    )
    if traced:
        print(
            f"peak traced memory (tracemalloc, separate runs): {small_run.rows} rows "
            f"{traced[0]:.1f} MB, {batched.rows} rows {traced[1]:.1f} MB "
            f"(ratio {traced[1] / traced[0]:.2f})"
        )
    print(f"benchmark wall time: {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
