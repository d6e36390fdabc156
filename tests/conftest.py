"""Shared fixtures: one real local stack per test session, clean state per test.

DynamoDB Local and moto server run as real servers on free ports; every test that
asks for ``stack`` starts with empty tables, queues and buckets.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.demo_lms import DemoLms
from local.environment import Ports
from local.servers import free_port
from local.stack import LocalStack
from tests.lti_support import ToolClient, registered


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    ports = Ports(http=free_port(), moto=free_port(), dynamodb=free_port(), demo_lms=free_port())
    log_dir = Path(tempfile.mkdtemp(prefix="coursebridge-test-logs-"))
    saved = dict(os.environ)
    stack = LocalStack(ports, log_dir=log_dir, pollers=False).start()
    try:
        yield stack
    finally:
        stack.stop()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def stack(local_stack: LocalStack) -> LocalStack:
    """The running local stack, emptied for this test."""
    local_stack.reset()
    return local_stack


@pytest.fixture(scope="module")
def lms(local_stack: LocalStack) -> Iterator[DemoLms]:
    """The demo LMS (an LTI 1.3 platform) on its own port, for one test module."""
    lms = DemoLms(free_port(), local_stack.ports.tool_url).start()
    yield lms
    lms.stop()


@pytest.fixture
def tool(stack: LocalStack, lms: DemoLms) -> ToolClient:
    """A clean stack with the demo LMS registered: an HTTP client that launches like it."""
    return registered(stack, lms)
