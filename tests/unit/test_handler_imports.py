"""What a handler's cold start imports: each functions/*/app.py leaves the libraries and
modules only some requests need to the first request that needs them (docs/ARCHITECTURE.md;
measured by bench/handler_import.py), and every import written inside a function resolves
(a lazy import must not hide a broken name until a rare request)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common"

# Loaded as Lambda loads the handler (its directory and the layer on the path); prints the
# modules the import left in sys.modules and what the garbage collector did meanwhile.
_LOAD = """
import gc, importlib.util, json, sys
during_init = []
def count(phase, info):
    if phase == "start" and "coursebridge.cold_start" in sys.modules:
        during_init.append(info["generation"])
gc.callbacks.append(count)
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
assert callable(module.handler)
gc.callbacks.remove(count)
from pydantic import BaseModel
built = sorted(
    f"{name}.{attr}"
    for name, loaded in list(sys.modules.items())
    if name.startswith("coursebridge.")
    for attr, value in vars(loaded).items()
    if isinstance(value, type) and issubclass(value, BaseModel)
    and value.__module__ == name and value.__pydantic_complete__
)
print(json.dumps({
    "built_models": built,
    "modules": sorted(sys.modules),
    "collections_during_init": len(during_init),
    "collector_on": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
}))
"""

_PAGES_ONLY = ("jinja2",)  # templates are built on the first render
_LAUNCH_ONLY = ("jwt", "cryptography", "coursebridge.lti.id_token", "coursebridge.launch.sign_in")
NOT_AT_IMPORT = {
    "lti_login": (
        *_PAGES_ONLY,
        *_LAUNCH_ONLY,
        "email_validator",
        "coursebridge.accounts",
        "aws_lambda_powertools.event_handler",
    ),
    "lti_launch": (*_PAGES_ONLY, "email_validator", "aws_lambda_powertools.event_handler"),
    "lti_install": (  # the Canvas configuration loads none of Dynamic Registration
        *_PAGES_ONLY,
        *_LAUNCH_ONLY,
        "email_validator",
        "aws_lambda_powertools.event_handler",
        "coursebridge.orgs",
        "coursebridge.lti.platform_configuration",
        "coursebridge.lti.dynamic_registration",
        "coursebridge.web.dynamic_registration_endpoint",
    ),
    "web": (
        *_PAGES_ONLY,
        *_LAUNCH_ONLY,
        "email_validator",
        "coursebridge.signing",  # only the Deep Linking answer signs
        "coursebridge.grades.release",  # only the two release routes
        "coursebridge.lti.ags",
        "coursebridge.accounts.confirm",  # only /app/verify
        "coursebridge.accounts.admin_invites",  # only /app/invite
        "coursebridge.imports",  # the Admin Portal's routes only
        "coursebridge.orgs",
        "coursebridge.web.admin_views",
        "argon2",  # only the sign-in and password routes
        "zxcvbn",
        "coursebridge.accounts.credentials",
        "coursebridge.accounts.password_reset",
    ),
}


def _load(handler: str) -> dict:
    function_dir = ROOT / "functions" / handler
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT", "CB_"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(function_dir), str(LAYER)]),
        LAMBDA_TASK_ROOT=str(function_dir),
        AWS_LAMBDA_FUNCTION_NAME=f"test-{handler}",
        AWS_DEFAULT_REGION="us-east-1",
    )
    done = subprocess.run(
        [sys.executable, "-c", _LOAD, str(function_dir / "app.py")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


HANDLERS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_handler_initializes_without_a_collection_or_a_model_build(handler):
    """coursebridge/cold_start.py: from the handler's first import on, the collector is
    paused while its modules load; what they made is frozen, and the collector is back on
    for the requests."""
    body = ast.parse((ROOT / "functions" / handler / "app.py").read_text()).body
    imports = [n for n in body if isinstance(n, ast.Import | ast.ImportFrom)]
    first = next(
        n for n in imports if not (isinstance(n, ast.ImportFrom) and n.module == "__future__")
    )
    assert isinstance(first, ast.ImportFrom) and first.module == "coursebridge"
    assert [alias.name for alias in first.names] == ["cold_start"]
    assert ast.unparse(body[-1]) == "cold_start.finished()"
    loaded = _load(handler)
    assert loaded["collections_during_init"] == 0
    assert loaded["built_models"] == []  # coursebridge/model.py: built on first use
    assert loaded["collector_on"] is True
    assert loaded["frozen"] > 10_000


@pytest.mark.parametrize("handler", sorted(NOT_AT_IMPORT))
def test_a_handler_import_leaves_what_only_some_requests_need(handler):
    loaded = set(_load(handler)["modules"])
    early = sorted(
        name
        for name in NOT_AT_IMPORT[handler]
        if any(m == name or m.startswith(name + ".") for m in loaded)
    )
    assert early == [], f"{handler} imports {early} at cold start"


def _imports_inside_functions(path: Path) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                found += [(inner.module, alias.name) for alias in inner.names]
            elif isinstance(inner, ast.Import):
                found += [(alias.name, "") for alias in inner.names]
    return found


LAZY = sorted(
    {
        (str(path.relative_to(LAYER)), module, name)
        for path in (LAYER / "coursebridge").rglob("*.py")
        for module, name in _imports_inside_functions(path)
    }
)


@pytest.mark.parametrize("where, module, name", LAZY, ids=[f"{w}:{m}" for w, m, _ in LAZY])
def test_every_import_inside_a_function_resolves(where, module, name):
    imported = importlib.import_module(module)
    if name:
        assert hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}"), (
            f"{where}: {module} has no {name}"
        )
