"""The local servers (DynamoDB Local, moto server) die with whatever started them, even
when it is killed outright: `make dev` (``python -m local``) and a pytest session."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from local.servers import free_port, port_in_use
from local.template import ROOT

pytestmark = pytest.mark.integration

GONE_WITHIN = 5.0  # seconds after the SIGKILL


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers" / "common"), str(ROOT)])
    env.update(extra)
    return env


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a reaper (a container's PID 1 may never reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f}s")
        time.sleep(0.1)


def _assert_gone_after_kill(parent: subprocess.Popen, ports: list[int], pids: set[int]) -> None:
    assert pids and all(_alive(pid) for pid in pids)
    assert all(port_in_use(port) for port in ports)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=10)
    started = time.monotonic()
    _wait_for(lambda: not any(_alive(pid) for pid in pids), GONE_WITHIN, "servers still running")
    _wait_for(lambda: not any(port_in_use(p) for p in ports), GONE_WITHIN, "ports still answer")
    assert time.monotonic() - started < GONE_WITHIN


def test_make_dev_killed_by_sigkill_takes_its_servers_with_it():
    ports = {name: free_port() for name in ("HTTP", "MOTO", "DYNAMODB", "DEMO_LMS")}
    env = _env(**{f"CB_{name}_PORT": str(port) for name, port in ports.items()})
    dev = subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert dev.stdout is not None
        for line in dev.stdout:  # blocks until `make dev` says it is ready (or exits)
            if line.startswith("ready"):
                break
        else:
            raise AssertionError(f"make dev exited with {dev.wait()} before it was ready")
        servers = _children(dev.pid)
        assert len(servers) == 2  # DynamoDB Local (java) and moto server
        _assert_gone_after_kill(dev, [ports["MOTO"], ports["DYNAMODB"]], servers)
    finally:
        if dev.poll() is None:
            dev.kill()
            dev.wait()


HOLDING_TEST = """
import json, os, time
from pathlib import Path

def test_hold(local_stack):
    Path(os.environ["CB_HOLD_FILE"]).write_text(json.dumps({
        "ports": [local_stack.ports.moto, local_stack.ports.dynamodb],
        "pids": [p.process.pid for p in local_stack.processes],
    }))
    time.sleep(300)
"""


def test_a_pytest_session_killed_by_sigkill_takes_the_fixture_stack_with_it(tmp_path):
    (tmp_path / "test_hold.py").write_text(textwrap.dedent(HOLDING_TEST))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    hold = tmp_path / "stack.json"
    session = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider",
         "-c", str(tmp_path / "pytest.ini"), str(tmp_path / "test_hold.py")],
        cwd=ROOT,
        env=_env(CB_HOLD_FILE=str(hold)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(
            lambda: hold.exists() or session.poll() is not None, 120, "the stack did not start"
        )
        assert session.poll() is None, "the pytest session ended before holding the stack"
        time.sleep(0.2)  # the file is written in one call; let it land
        stack = json.loads(hold.read_text())
        _assert_gone_after_kill(session, stack["ports"], set(stack["pids"]))
    finally:
        if session.poll() is None:
            session.kill()
            session.wait()
