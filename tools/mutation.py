"""``make mutation``: mutmut over the rule modules, against the unit tests.

The layer lives in ``layers/common/coursebridge`` (a Lambda layer), but mutmut names a
mutant after its path and puts ``mutants/``, ``mutants/src`` on ``sys.path``. So the run
happens in a staging copy of the repository (``.mutation/``) where the package sits in
``src/coursebridge``. Only the fast unit tests run (mutmut runs, per mutant, just the
tests that reached the mutated function); the integration suite is too slow per mutant.

Prints killed/total per module and overall. A survivor is either killed by a test that
states the rule, or listed with its reason in docs/TESTING.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / ".mutation"
PACKAGE = "layers/common/coursebridge"

RULE_MODULES = (
    "lti/id_token.py",
    "lti/launch.py",
    "lti/claims.py",
    "accounts/resolve.py",
    "accounts/sync.py",
    "accounts/profile.py",
    "accounts/roles.py",
    "web/authz.py",
    "imports/validate.py",
    "imports/parse.py",
    "imports/plan.py",
    "imports/report.py",
    "imports/duplicates.py",
    "grades/release_plan.py",
)

# Functions whose mutants are not counted: they orchestrate stores and HTTP, and are
# covered by the integration suite (the rule they apply is a pure function that is).
NOT_COUNTED = {
    "lti/launch.py": ("validate_launch",),
}

CONFIG = """
[tool.mutmut]
source_paths = ["src/coursebridge"]
only_mutate = [{only}]
pytest_add_cli_args_test_selection = ["tests/unit"]
pytest_add_cli_args = ["-p", "no:randomly", "-p", "no:cacheprovider", "-q"]
use_git_change_detection = false
also_copy = ["local", "events", "functions", "layers", "tools", "template.yaml"]
"""


def stage(modules: tuple[str, ...]) -> None:
    if STAGE.exists():
        shutil.rmtree(STAGE)
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in files:
        source = ROOT / name
        if source.is_file():
            target = STAGE / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    shutil.copytree(ROOT / PACKAGE, STAGE / "src/coursebridge", dirs_exist_ok=True)
    only = ", ".join(f'"src/coursebridge/{m}"' for m in modules)
    with (STAGE / "pyproject.toml").open("a") as config:
        config.write(CONFIG.format(only=only))


def function_of(key: str) -> str:
    """``coursebridge.lti.launch.x_validate_launch__mutmut_3`` → ``validate_launch``."""
    name = key.rsplit(".", 1)[-1].rsplit("__mutmut_", 1)[0]
    name = name.split("ǁ")[-1]  # methods: xǁClassǁmethod
    return name[2:] if name.startswith("x_") else name


KILLED = {1, 3, 36, 24, -24, 152, 255}  # a test failed, or the mutant hung (timeout)


def results(modules: tuple[str, ...]) -> dict[str, tuple[int, list[str]]]:
    """module → (killed, surviving mutant names), from mutmut's result files."""
    table: dict[str, tuple[int, list[str]]] = {}
    for module in modules:
        meta = STAGE / "mutants/src/coursebridge" / (module + ".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        counted = {
            key: code
            for key, code in codes.items()
            if function_of(key) not in NOT_COUNTED.get(module, ())
        }
        survivors = sorted(key for key, code in counted.items() if code not in KILLED)
        table[module] = (len(counted) - len(survivors), survivors)
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("modules", nargs="*", help="rule modules (default: all of them)")
    parser.add_argument("--report-only", action="store_true", help="read the last run")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    args = parser.parse_args()
    modules = tuple(args.modules) or RULE_MODULES
    if not args.report_only:
        stage(modules)
        done = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", "2"],
            cwd=STAGE,
            check=False,
        )
        if done.returncode != 0:  # e.g. the unit tests fail unmutated: no mutant was run
            print(f"mutmut run failed (exit {done.returncode}): no score", file=sys.stderr)
            return done.returncode
    table = results(modules)
    killed = total = 0
    print(f"\n{'module':32} killed/total")
    for module, (module_killed, survivors) in table.items():
        module_total = module_killed + len(survivors)
        killed, total = killed + module_killed, total + module_total
        print(f"{module:32} {module_killed:4}/{module_total:<4}")
        if args.survivors:
            for name in survivors:
                print("    survived:", name)
    print(f"{'overall':32} {killed:4}/{total:<4} ({100 * killed / max(total, 1):.1f}%)")
    print("see a mutant: cd .mutation && mutmut show <name>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
