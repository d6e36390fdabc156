"""Complexity gate: no block of a package rated above B by radon, unless it says why.

A block (function, method or class) whose cyclomatic complexity is above 10 (radon's
rating C or worse) fails the gate unless its ``def``/``class`` line, or the line just
above it (above its decorators), carries a one-line reason::

    # complexity: one check per LTI claim, in the order the spec lists them
    def check_lti_claims(claims: dict) -> None:

Usage::

    python tools/complexity_gate.py layers/common/coursebridge [--exclude imports ...]

Prints each offending block with its rating and file:line; exits 1 if any has no reason.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from radon.complexity import cc_rank, cc_visit

LIMIT = 10  # the top of radon's rating B
REASON = re.compile(r"#\s*complexity:\s*\S")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    name: str
    complexity: int
    reason: str | None

    def describe(self) -> str:
        rating = f"{cc_rank(self.complexity)} ({self.complexity})"
        where = f"{self.path}:{self.line}"
        if self.reason:
            return f"{where} {self.name} {rating} explained: {self.reason}"
        return f"{where} {self.name} {rating} has no '# complexity: <reason>'"


def reason_for(lines: list[str], line: int) -> str | None:
    """The reason on the block's first line (1-based) or on the line above its decorators."""
    candidates = [lines[line - 1]]
    above = line - 2
    while above >= 0 and lines[above].lstrip().startswith("@"):
        above -= 1
    if above >= 0:
        candidates.append(lines[above])
    for text in candidates:
        match = REASON.search(text)
        if match:
            return text[match.start() :].strip()
    return None


def complex_blocks(path: Path) -> Iterator[Block]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    for block in cc_visit(source):
        if block.complexity > LIMIT:
            yield Block(
                path=path,
                line=block.lineno,
                name=block.fullname,
                complexity=block.complexity,
                reason=reason_for(lines, block.lineno),
            )


def sources(package: Path, excluded: list[str]) -> Iterator[Path]:
    for path in sorted(package.rglob("*.py")):
        if not excluded_by(path.relative_to(package), excluded):
            yield path


def excluded_by(relative: Path, excluded: list[str]) -> bool:
    """True when the path starts with one of the excluded sub-packages or modules."""
    parts = relative.with_suffix("").parts
    return any(parts[: len(name.split("/"))] == tuple(name.split("/")) for name in excluded)


def exists_in(package: Path, name: str) -> bool:
    """An exclusion must name a sub-package or module that exists, so a stale one is noticed."""
    return (package / name).is_dir() or (package / f"{name}.py").is_file()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the package directory to check")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="SUBPACKAGE",
        help="a sub-package (path relative to the package) to skip; repeatable",
    )
    args = parser.parse_args(argv)
    missing = [name for name in args.exclude if not exists_in(args.package, name)]
    if missing:
        parser.error(f"--exclude names nothing in {args.package}: {', '.join(missing)}")
    blocks = [
        block for path in sources(args.package, args.exclude) for block in complex_blocks(path)
    ]
    for block in blocks:
        print(block.describe())
    unexplained = [block for block in blocks if block.reason is None]
    if unexplained:
        print(f"{len(unexplained)} block(s) above B (complexity > {LIMIT}) with no reason")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
