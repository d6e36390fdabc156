"""The complexity gate: blocks above B fail unless they carry a one-line reason."""

from pathlib import Path

import pytest

from tools.complexity_gate import main

BRANCHY = (
    "\n".join(f"    if x == {n}:\n        return {n}" for n in range(11)) + "\n    return -1\n"
)


def write(package: Path, name: str, source: str) -> None:
    path = package / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("def simple(x):\n    return x\n", 0),
        ("def branchy(x):\n" + BRANCHY, 1),
        ("def branchy(x):  # complexity: one case per code\n" + BRANCHY, 0),
        ("# complexity: one case per code\ndef branchy(x):\n" + BRANCHY, 0),
        ("# complexity: one case per code\n@staticmethod\ndef branchy(x):\n" + BRANCHY, 0),
        ("# complexity:\ndef branchy(x):\n" + BRANCHY, 1),
    ],
    ids=["simple", "no-reason", "reason-on-def", "reason-above", "above-decorator", "empty"],
)
def test_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, code: int) -> None:
    write(tmp_path, "mod.py", source)
    assert main([str(tmp_path)]) == code
    if "branchy" in source:
        assert f"{tmp_path / 'mod.py'}:" in capsys.readouterr().out


def test_excluded_subpackage_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "later/mod.py", "def branchy(x):\n" + BRANCHY)
    assert main([str(tmp_path), "--exclude", "later"]) == 0
    assert main([str(tmp_path)]) == 1


def test_stale_exclusion_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main([str(tmp_path), "--exclude", "gone"])
