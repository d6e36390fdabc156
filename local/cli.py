"""The ``coursebridge`` command as ``make dev`` / ``make test`` install it.

The admin CLI (``coursebridge.cli``) knows only deployed stacks (``--stack`` or
``CB_STACK``) and the environment it is given. This wrapper, part of the local
harness, points it at the local stack (the ports of ``make dev``, or their
``CB_*_PORT`` overrides) when no stack is named — so the product never imports the
harness.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from coursebridge import cli
from local.environment import Ports, cli_environment


def _names_a_stack(argv: Sequence[str]) -> bool:
    return bool(os.environ.get("CB_STACK")) or any(
        arg == "--stack" or arg.startswith("--stack=") for arg in argv
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not _names_a_stack(args):
        for name, value in cli_environment(Ports.from_env()).items():
            os.environ.setdefault(name, value)
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
