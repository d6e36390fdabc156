"""The layer's packages import one way: down (docs/ARCHITECTURE.md), never the dev harness.

Read from the source (no import is run): every ``import coursebridge.X`` / ``from
coursebridge.X import …`` of a module must name a package of its own layer or below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LAYER = Path(__file__).resolve().parents[2] / "layers" / "common" / "coursebridge"

# Lower numbers sit lower. A package may import its own level and below.
LEVELS = {
    "aws": 0,
    "settings": 0,
    "model": 0,
    "cold_start": 0,
    "collector": 0,
    "backoff": 0,
    "outbound": 0,
    "spreadsheet": 0,
    "store": 1,
    "sessions": 2,
    "signing": 2,
    "keyring": 2,
    "notify": 2,
    "lti": 2,
    "accounts": 3,
    "classes": 3,
    "grades": 3,
    "imports": 3,
    "orgs": 3,
    "launch": 4,
    "web": 4,
    "cli": 5,
}


def _package_of(path: Path) -> str:
    return path.relative_to(LAYER).parts[0].removesuffix(".py")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


MODULES = sorted(p for p in LAYER.rglob("*.py") if p.name != "__init__.py" or p.parent != LAYER)


def test_every_package_of_the_layer_has_a_level():
    packages = {_package_of(p) for p in MODULES}
    assert packages <= set(LEVELS), packages - set(LEVELS)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(LAYER)))
def test_a_module_imports_only_its_own_level_and_below_and_never_the_harness(module):
    mine = LEVELS[_package_of(module)]
    upward = []
    for name in _imports(module):
        parts = name.split(".")
        assert parts[0] != "local", f"{module.name} imports the dev harness ({name})"
        if parts[0] == "coursebridge" and len(parts) > 1 and LEVELS.get(parts[1], 0) > mine:
            upward.append(name)
    assert upward == [], f"{module.relative_to(LAYER)} imports upward: {upward}"
