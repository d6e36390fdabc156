"""`coursebridge import` uploads like an admin, follows the job and prints the summary,
while the importer runs as the pollers of `make dev` would run it."""

from __future__ import annotations

import io
import threading

import pytest

from coursebridge import aws
from coursebridge.cli import main
from coursebridge.imports.options import Upload
from coursebridge.imports.password import verify_password
from coursebridge.imports.upload import summary_lines, wait_for_report
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


def head_key(admin: str) -> str:
    return f"uploads/{admin}/roster.csv"


def test_the_cli_upload_carries_a_ticket_that_vouches_for_that_upload_only(
    stack, importer, tmp_path, capsys
):
    """The CLI's own upload imports; the same object copied, ticket and all, under
    another admin's prefix is refused and imports nothing."""
    ann = make_admin(("S1",), email="ann@a.edu", org_id="orgA")
    bob = make_admin(("T1",), email="bob@b.org", org_id="orgB")
    path = tmp_path / "roster.csv"
    path.write_text(rows("Jane,Doe,jane@example.com,0,1,S1"))
    assert main(["import", str(path), "--admin", ann]) == 0
    assert "created 1" in capsys.readouterr().out
    s3 = aws.client("s3")
    bucket = stack.resource("ImportsBucket")
    head = s3.head_object(Bucket=bucket, Key=head_key(ann))
    assert head["Metadata"]["upload-ticket"].startswith("v1.")
    copy_key = f"uploads/{bob}/roster.csv"
    put = s3.copy_object(  # the metadata, ticket included, is copied with the object
        Bucket=bucket, Key=copy_key, CopySource={"Bucket": bucket, "Key": head_key(ann)}
    )
    assert s3.head_object(Bucket=bucket, Key=copy_key)["Metadata"] == head["Metadata"]
    copied = Upload(bucket, copy_key, put.get("VersionId") or put["CopyObjectResult"]["ETag"])
    job = wait_for_report(copied, timeout=30, out=io.StringIO())
    assert job.status == "rejected" and job.rejection["code"] == "wrong_ticket"
    assert summary_lines(job)[0].startswith("upload refused, nothing imported: ")
    assert s3.list_objects_v2(Bucket=bucket, Prefix=f"reports/{bob}/")["KeyCount"] == 0
