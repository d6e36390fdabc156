"""Keep DynamoDB Local's request and SQLite threads on one CPU core (Linux only).

DynamoDB Local runs every SQLite statement on one queue thread, and a write holds the
table's lock while its request thread hands each statement to that thread and waits for
the answer — several hand-offs per item written. When the two threads sit on different
cores, every hand-off is a cross-core wake-up (an interrupt, a core leaving idle, cold
caches): on a 2-core machine that was ~30% of DynamoDB Local's CPU per imported row
(system time 0.8 → 0.2 ms/row) and halved its write throughput under the table lock
(bench/import_csv.py). On one core a hand-off is a plain context switch.

Only the threads that exist once the server answers are moved; threads they start later
inherit the core. The JIT compiler threads stay free, so warm-up still uses every core.
``CB_DYNAMODB_ONE_CORE=0`` turns this off.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

SAMPLE_SECONDS = 0.1
UNPINNED_THREADS = ("C1 CompilerThre", "C2 CompilerThre")  # /proc comm is cut at 15 chars


def _cpu_times() -> dict[int, tuple[int, int]]:
    """Per-core (total, idle) jiffies from /proc/stat."""
    times: dict[int, tuple[int, int]] = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *fields = line.split()
        if name.startswith("cpu") and name[3:].isdigit():
            values = [int(v) for v in fields]
            times[int(name[3:])] = (sum(values), values[3] + values[4])  # idle + iowait
    return times


def least_busy_cpu(cpus: list[int]) -> int:
    """The allowed core with the most idle time over a short sample."""
    before = _cpu_times()
    time.sleep(SAMPLE_SECONDS)
    after = _cpu_times()

    def idle_share(cpu: int) -> float:
        total = after[cpu][0] - before[cpu][0]
        return (after[cpu][1] - before[cpu][1]) / total if total > 0 else 1.0

    return max(cpus, key=idle_share)


def confine_to_one_core(pid: int) -> int | None:
    """Move the process's threads (but the JIT compilers) to one core; returns it.

    Does nothing (returns None) off Linux, on a single core, or when
    ``CB_DYNAMODB_ONE_CORE=0``. Best effort: a thread that ends meanwhile is skipped.
    """
    if os.environ.get("CB_DYNAMODB_ONE_CORE", "1") == "0":
        return None
    tasks = Path(f"/proc/{pid}/task")
    if not hasattr(os, "sched_setaffinity") or not tasks.is_dir():
        return None
    cpus = sorted(os.sched_getaffinity(pid))
    if len(cpus) < 2:
        return None
    cpu = least_busy_cpu(cpus)
    for task in tasks.iterdir():
        try:
            if (task / "comm").read_text().strip().startswith(UNPINNED_THREADS):
                continue
            os.sched_setaffinity(int(task.name), {cpu})
        except (OSError, ValueError):
            continue  # the thread ended
    return cpu
