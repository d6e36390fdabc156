"""Handler import time (Lambda init): each functions/*/app.py imported in a fresh interpreter.

Each handler is loaded as Lambda loads it (its directory and the layer on the path,
``LAMBDA_TASK_ROOT`` set, so Powertools' Tracer is on and patches as it does in Lambda),
``--runs`` times, each in a new interpreter; the figure is the median CPU time of the
module's import measured inside that interpreter (Lambda's init is CPU-bound, and CPU time
is far less disturbed than wall time by other work on a shared machine). The baseline,
measured the same way in the same run, is ``import boto3`` alone (what every handler needs
at least): the ratio is the figure to compare between machines, the milliseconds are this
machine's. A separate
``-X importtime`` run per handler names the imports that cost the most.

The layer is imported as it is deployed: compiled to bytecode (layers/common/Makefile, which
``sam build`` runs), from a copy compiled the same way in a temporary directory; the
libraries come from the virtualenv, compiled by pip when it installed them.

    .venv/bin/python -m bench.handler_import [--runs 5] [--top 5]
"""

from __future__ import annotations

import argparse
import compileall
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_LAYER = ROOT / "layers" / "common"
TARGET_MS = 250
LOADER = """
import importlib.util, sys, time
started = time.process_time()
{body}
print((time.process_time() - started) * 1000)
"""
LOAD_HANDLER = """
spec = importlib.util.spec_from_file_location("app", {path!r})
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
"""


def _env(function_dir: Path | None, layer: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT", "CB_"))}
    paths = [str(function_dir)] if function_dir else []
    env.update(
        PYTHONPATH=os.pathsep.join([*paths, str(layer)]),
        LAMBDA_TASK_ROOT=str(function_dir or ROOT),
        AWS_LAMBDA_FUNCTION_NAME="bench-handler-import",
        AWS_DEFAULT_REGION="us-east-1",
        POWERTOOLS_SERVICE_NAME="coursebridge",
    )
    return env


def _run(
    body: str, function_dir: Path | None, layer: Path, importtime: bool = False
) -> tuple[float, str]:
    args = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c"]
    done = subprocess.run(
        [*args, LOADER.format(body=body)],
        env=_env(function_dir, layer),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.split()[-1]), done.stderr


def median_ms(body: str, function_dir: Path | None, layer: Path, runs: int) -> float:
    return statistics.median(_run(body, function_dir, layer)[0] for _ in range(runs))


def heaviest(
    body: str, function_dir: Path | None, layer: Path, top: int
) -> list[tuple[str, float]]:
    """The ``top`` imports with the largest own time plus that of the modules they alone
    pulled in, among those at most three levels deep (``-X importtime`` cumulative)."""
    _, trace = _run(body, function_dir, layer, importtime=True)
    found: list[tuple[str, float]] = []
    for line in trace.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        if 1 <= depth <= 3:
            found.append((name.strip(), int(cumulative) / 1000))
    found.sort(key=lambda item: -item[1])
    return found[:top]


def compiled_layer(into: Path) -> Path:
    """A copy of the layer's package compiled as layers/common/Makefile compiles it."""
    shutil.copytree(SOURCE_LAYER / "coursebridge", into / "coursebridge")
    invalidation = py_compile.PycInvalidationMode.UNCHECKED_HASH
    if not compileall.compile_dir(into, quiet=1, invalidation_mode=invalidation):
        raise SystemExit("the layer does not compile")
    return into


def handlers() -> list[Path]:
    return sorted((ROOT / "functions").glob("*/app.py"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args(argv or [])
    with tempfile.TemporaryDirectory() as tmp:
        measure(compiled_layer(Path(tmp)), args.runs, args.top)


def measure(layer: Path, runs: int, top_imports: int) -> None:
    baseline = median_ms("import boto3", None, layer, runs)
    print(f"baseline `import boto3`: {baseline:.0f} ms CPU (median of {runs}; this machine's)")
    print(f"{'handler':<16}{'CPU ms':>7}{'÷ boto3':>9}  heaviest imports (wall ms, -X importtime)")
    worst = 0.0
    for path in handlers():
        body = LOAD_HANDLER.format(path=str(path))
        ms = median_ms(body, path.parent, layer, runs)
        worst = max(worst, ms)
        top = ", ".join(
            f"{name} {cost:.0f}" for name, cost in heaviest(body, path.parent, layer, top_imports)
        )
        print(f"{path.parent.name:<16}{ms:>7.0f}{ms / baseline:>9.2f}  {top}")
    verdict = "within" if worst <= TARGET_MS else "over"
    print(
        f"slowest handler {worst:.0f} ms: {verdict} the {TARGET_MS} ms target on this machine "
        f"({worst / baseline:.2f} x `import boto3`)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
