"""`coursebridge import` uploads like an admin, follows the job and prints the summary,
while the importer runs as the pollers of `make dev` would run it."""

from __future__ import annotations

import threading

import pytest

from coursebridge.cli import main
from coursebridge.imports.password import verify_password
from tests.integration.import_support import account_by_email, make_admin, rows

pytestmark = pytest.mark.integration


@pytest.fixture
def importer(stack):
    """The import queue's poller in the background, like `make dev`."""
    poller = stack.make_pollers()["CsvImportFunction"]
    poller.start()
    yield poller
    poller.stop()


def test_import_command_prints_the_summary(stack, importer, tmp_path, capsys):
    admin = make_admin()
    path = tmp_path / "new users.csv"
    path.write_text(rows("Jane,Doe,jane@example.com,0,1,S1", "X,Y,bad,0,2,S1"))
    code = main(["import", str(path), "--admin", admin, "--custom-password", "Sesame-1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "created 1, updated 0, unchanged 0, failed 1" in captured.out
    assert f"reports/{admin}/new users." in captured.out.splitlines()[-1]
    assert "rows" in captured.err  # the progress bar
    assert verify_password("Sesame-1", account_by_email("jane@example.com").password_hash)


def test_import_command_dry_run_and_file_error(stack, importer, tmp_path, capsys):
    admin = make_admin()
    path = tmp_path / "dry.csv"
    path.write_text(rows("Jane,Doe,jane@example.com,0,1,S1"))
    assert main(["import", str(path), "--admin", admin, "--dry-run"]) == 0
    assert "dry run: created 1" in capsys.readouterr().out
    assert account_by_email("jane@example.com") is None
    bad = tmp_path / "bad.csv"
    bad.write_text("firstName,email\nA,a@x.com\n")
    assert main(["import", str(bad), "--admin", admin]) == 1
    err = capsys.readouterr().err
    assert "Missing required columns: lastName, isTeacher, issuedID, schoolID" in err


def test_import_command_rejects_unknown_admin_and_missing_file(stack, tmp_path, capsys):
    assert main(["import", str(tmp_path / "nope.csv"), "--admin", "acc_x"]) == 1
    assert "no such file" in capsys.readouterr().err
    path = tmp_path / "a.csv"
    path.write_text(rows("Jane,Doe,jane@example.com,0,1,S1"))
    assert main(["import", str(path), "--admin", "acc_nobody"]) == 1
    assert "unknown account" in capsys.readouterr().err
    assert not threading.current_thread().daemon
