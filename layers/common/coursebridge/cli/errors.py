"""The command line's one expected failure: a message for stderr and exit code 1."""

from __future__ import annotations


class CliError(Exception):
    """A problem worth one line on stderr and exit code 1."""
