"""Cells we write into a CSV a person opens in a spreadsheet (the import's errors CSV,
a unit's grades.csv): one rule for both.

OWASP CSV injection: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return may be run as a formula, so it is shown as text with a leading apostrophe.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """``value`` as a spreadsheet shows it as text, never as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
