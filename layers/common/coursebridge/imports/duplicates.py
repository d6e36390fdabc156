"""Rows that repeat an email (or a school's issuedID) anywhere in the file.

Both rows of a duplicate fail, so duplicates must be known before anything is
written: the first pass feeds every row here. Memory stays flat whatever the file
size: keys are hashed to 16 bytes, sorted in fixed-size runs spilled to a temporary
file, then merged (an external sort).
"""

from __future__ import annotations

import hashlib
import heapq
import struct
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from coursebridge.imports.errors import RowError

_ENTRY = struct.Struct(">16sI")  # key digest, row
RUN_ENTRIES = 8192

# field reported → label in the message
KINDS = {"email": "email", "issuedID": "issuedID"}


class DuplicateFinder:
    def __init__(self, run_entries: int = RUN_ENTRIES) -> None:
        self._run_entries = run_entries
        self._runs: dict[str, list[tuple[int, int]]] = {kind: [] for kind in KINDS}
        self._current: dict[str, list[bytes]] = {kind: [] for kind in KINDS}
        self._spill: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())

    def add(self, kind: str, key: str, row: int) -> None:
        if not key:
            return
        digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
        current = self._current[kind]
        current.append(_ENTRY.pack(digest, row))
        if len(current) >= self._run_entries:
            self._flush(kind)

    def _flush(self, kind: str) -> None:
        current = self._current[kind]
        if not current:
            return
        current.sort()
        start = self._spill.seek(0, 2)
        self._spill.write(b"".join(current))
        self._runs[kind].append((start, len(current)))
        current.clear()

    def _read_run(self, start: int, count: int) -> Iterator[bytes]:
        position = start
        remaining = count
        while remaining:
            take = min(remaining, 1024)
            self._spill.seek(position)
            block = self._spill.read(take * _ENTRY.size)
            position += len(block)
            remaining -= take
            for index in range(take):
                yield block[index * _ENTRY.size : (index + 1) * _ENTRY.size]

    def findings(self) -> Iterator[RowError]:
        """Each duplicated row once per kind, naming the row it repeats."""
        for kind, label in KINDS.items():
            self._flush(kind)
            merged = heapq.merge(*(self._read_run(s, c) for s, c in self._runs[kind]))
            last, first, seen = b"", 0, 0
            for entry in merged:
                digest, row = _ENTRY.unpack(entry)
                if digest != last:
                    last, first, seen = digest, row, 1
                    continue
                seen += 1
                if seen == 2:  # the first row learns which row repeats it
                    yield RowError(first, kind, f"Duplicate {label} with row {row}")
                yield RowError(row, kind, f"Duplicate {label} with row {first}")

    def close(self) -> None:
        self._spill.close()

    def __enter__(self) -> DuplicateFinder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
