"""coursebridge/collector.py: no full collection within the block, young ones as usual,
and the process's threshold back as it was once the last block ends."""

from __future__ import annotations

import gc
import threading

from coursebridge.collector import no_full_collections

THRESHOLD = gc.get_threshold()  # the interpreter's, read outside any block


def _collections_while_rows_pile_up() -> dict[int, int]:
    """Collections per generation while small dicts (rows of a big batch) pile up: enough
    of them for the collector to consider a full collection twice (after ``threshold[2]``
    middle ones, each after ``threshold[1]`` young ones, each after ``threshold[0]`` new
    objects: 3.13 counts more objects per young collection than 3.11), and to grow what it
    tracks by far more than a quarter."""
    young, middle, old = THRESHOLD
    how_many = max(young * middle * old, len(gc.get_objects()) // 2)  # two objects a row
    counts = {0: 0, 1: 0, 2: 0}

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            counts[info["generation"]] += 1

    gc.callbacks.append(count)
    try:
        rows = [{"row": n, "cells": [str(n)]} for n in range(how_many)]
    finally:
        gc.callbacks.remove(count)
    assert len(rows) == how_many
    return counts


def test_rows_piling_up_cause_full_collections_outside_the_block():
    assert _collections_while_rows_pile_up()[2] >= 1


def test_within_the_block_only_the_young_generations_are_collected():
    with no_full_collections():
        counts = _collections_while_rows_pile_up()
    assert counts[2] == 0
    assert counts[0] > 100


def test_the_threshold_is_restored_after_the_last_of_overlapping_blocks():
    before = gc.get_threshold()
    entered, leave = threading.Event(), threading.Event()

    def other_import() -> None:
        with no_full_collections():
            entered.set()
            leave.wait(5)

    other = threading.Thread(target=other_import)
    with no_full_collections():
        other.start()
        assert entered.wait(5)
    assert gc.get_threshold()[2] > before[2]  # the other block is still running
    leave.set()
    other.join(5)
    assert gc.get_threshold() == before


def test_the_threshold_is_restored_when_the_block_raises():
    before = gc.get_threshold()
    try:
        with no_full_collections():
            raise RuntimeError("a batch failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
