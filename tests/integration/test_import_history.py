"""An admin's import history on DynamoDB Local: one Query of the admin's own index
partition (newest first, paged), each job reopenable by its reference by that admin
only, and refused uploads in nobody's history. The operator's log and the
``UploadRejected`` metric report each refused upload once."""

from __future__ import annotations

import json
import logging

import pytest

from coursebridge.imports.history import ImportHistory, parse_ref
from coursebridge.store import keys
from tests.integration.import_support import (
    invoke,
    make_admin,
    rows,
    run_until_done,
    s3_event,
    upload,
)

pytestmark = pytest.mark.integration

BODY = rows("Jane,Doe,jane@a.edu,0,J-1,S1")


@pytest.fixture
def admins(stack):
    ann = make_admin(("S1",), email="ann@a.edu", org_id="orgA")
    bob = make_admin(("T1",), email="bob@b.org", org_id="orgB")
    return ann, bob


def test_the_history_lists_the_admins_own_uploads_newest_first_page_by_page(stack, admins):
    ann, bob = admins
    mine = [run_until_done(stack, upload(stack, ann, BODY, name=f"r{i}.csv")) for i in range(3)]
    run_until_done(stack, upload(stack, bob, rows("Bo,B,bo@b.org,0,B-1,T1"), name="bob.csv"))
    history = ImportHistory()
    first = history.page(ann, limit=2)
    assert [job.upload.admin_id for job in first.jobs] == [ann, ann]
    assert first.older is not None
    rest = history.page(ann, older_than=first.older, limit=2)
    assert rest.older is None
    listed = [job.upload.key for job in first.jobs + rest.jobs]
    assert sorted(listed) == sorted(job.upload.key for job in mine)
    started = [job.started_at for job in first.jobs + rest.jobs]
    assert started == sorted(started, reverse=True)


def test_a_job_is_reopened_by_its_admin_and_by_nobody_else(stack, admins):
    ann, bob = admins
    job = run_until_done(stack, upload(stack, ann, BODY))
    history = ImportHistory()
    found = history.find(ann, job.ref)
    assert found is not None and found.upload == job.upload and found.status == "completed"
    assert history.find(bob, job.ref) is None
    assert history.find(ann, job.ref.replace("-", "-0", 1)) is None
    assert history.find(ann, "../../etc") is None


def test_the_index_key_is_the_admins_own_partition(stack, admins):
    ann, _ = admins
    job = run_until_done(stack, upload(stack, ann, BODY))
    item = job.to_item()
    assert item["gsi1pk"] == keys.imports_of_admin(ann) == f"ACCOUNT#{ann}#IMPORTS"
    assert parse_ref(job.ref) == (job.started_at, job.upload.job_id)


def test_a_refused_upload_is_in_nobodys_history_and_reported_once(stack, admins, capsys, caplog):
    _, bob = admins
    caplog.set_level(logging.WARNING)
    dropped = upload(stack, bob, BODY, ticket=None)
    job = run_until_done(stack, dropped)
    invoke(s3_event(stack, dropped, message_id="again"))  # S3 delivers at least once
    assert job.status == "rejected" and "gsi1pk" not in job.to_item()
    assert ImportHistory().page(bob).jobs == []
    assert ImportHistory().for_upload(stack.resource("ImportsBucket"), dropped["key"]) == job
    metrics = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if '"UploadRejected"' in line
    ]
    assert len(metrics) == 1
    (directive,) = metrics[0]["_aws"]["CloudWatchMetrics"]
    assert directive["Metrics"][0]["Name"] == "UploadRejected"
    assert "reason" in directive["Dimensions"][0] and metrics[0]["reason"] == "no_ticket"
    assert directive["Namespace"] == "Coursebridge" and metrics[0]["UploadRejected"] == [1.0]
    refused = [r for r in caplog.records if r.getMessage().startswith("upload refused")]
    assert len(refused) == 1
