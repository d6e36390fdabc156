"""Load the real Lambda handlers from functions/ and call them as Lambda would."""

from __future__ import annotations

import importlib.util
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from local.template import FunctionSpec


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools use."""

    function_name: str
    timeout_seconds: int
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


Handler = Callable[[dict, LambdaContext], object]


def load_handler(spec: FunctionSpec) -> Handler:
    """Import ``functions/<name>/app.py`` under a unique module name and return its handler."""
    module_file, _, attr = spec.handler.rpartition(".")
    path = spec.code_uri / f"{module_file}.py"
    module_name = f"cb_function_{spec.logical_id}"
    if module_name in sys.modules:
        return getattr(sys.modules[module_name], attr)
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    module_spec.loader.exec_module(module)
    return getattr(module, attr)


class FunctionRunner:
    """Invokes one function's handler with a fresh context per invocation."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self.handler = load_handler(spec)

    def invoke(self, event: dict) -> object:
        context = LambdaContext(
            function_name=self.spec.logical_id, timeout_seconds=self.spec.timeout
        )
        return self.handler(event, context)
