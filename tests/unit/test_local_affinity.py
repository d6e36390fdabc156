"""local/affinity.py: DynamoDB Local's threads kept on one core, the JIT compilers free."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from local import affinity

# A child with a few threads, named like the JVM's (Linux: the thread name is its comm).
CHILD = """
import ctypes, sys, threading, time
libc = ctypes.CDLL(None)
def named(name):
    libc.prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME
    time.sleep(60)
for name in ("qtp-worker", "C2 CompilerThre", "SQLiteQueue"):
    threading.Thread(target=named, args=(name,), daemon=True).start()
time.sleep(0.3)
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture
def child():
    process = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    yield process.pid
    process.kill()
    process.wait()


def _thread_cpus(pid: int) -> dict[str, set[int]]:
    tasks = Path(f"/proc/{pid}/task")
    return {
        (task / "comm").read_text().strip(): os.sched_getaffinity(int(task.name))
        for task in tasks.iterdir()
    }


def test_threads_but_the_compilers_move_to_one_core(child):
    allowed = os.sched_getaffinity(child)
    cpu = affinity.confine_to_one_core(child)
    threads = _thread_cpus(child)
    if len(allowed) < 2:
        assert cpu is None  # nothing to choose from: left alone
        return
    assert cpu in allowed
    assert threads["qtp-worker"] == {cpu}
    assert threads["SQLiteQueue"] == {cpu}
    assert threads["C2 CompilerThre"] == allowed


def test_can_be_turned_off(child, monkeypatch):
    monkeypatch.setenv("CB_DYNAMODB_ONE_CORE", "0")
    allowed = os.sched_getaffinity(child)
    assert affinity.confine_to_one_core(child) is None
    assert all(cpus == allowed for cpus in _thread_cpus(child).values())


def test_least_busy_cpu_prefers_the_idle_core(monkeypatch):
    samples = iter(
        [
            {0: (1000, 900), 1: (1000, 900)},
            {0: (1100, 910), 1: (1100, 990)},  # core 0 was 90% busy, core 1 10%
        ]
    )
    monkeypatch.setattr(affinity, "_cpu_times", lambda: next(samples))
    monkeypatch.setattr(affinity.time, "sleep", lambda _: None)
    assert affinity.least_busy_cpu([0, 1]) == 1
