"""The admin CLI against the local stack: setup works, bad input is one clear line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from coursebridge.cli import main
from coursebridge.store.accounts import AccountStore
from coursebridge.store.orgs import OrgStore
from coursebridge.store.platforms import PlatformStore

pytestmark = pytest.mark.integration

PLATFORM = [
    "platform",
    "add",
    "--org",
    "acme",
    "--issuer",
    "https://lms.example.edu",
    "--client-id",
    "client-1",
    "--deployment-id",
    "dep-1",
    "--deployment-id",
    "dep-2",
    "--auth-login-url",
    "https://lms.example.edu/auth",
    "--auth-token-url",
    "https://lms.example.edu/token",
    "--jwks-url",
    "https://lms.example.edu/jwks",
]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_org_admin_and_platform_setup(stack, capsys):
    code, out, _ = run(
        capsys,
        "org",
        "create",
        "acme",
        "--name",
        "Acme Schools",
        "--school",
        "s1",
        "--school",
        "s2",
        "--student-id-field",
        "student_id",
    )
    assert code == 0 and out.split()[-1] == "acme"
    org = OrgStore().get("acme")
    assert org.schools == ["s1", "s2"] and org.student_id_field == "student_id"
    assert org.auto_map is True and org.trial is False

    code, out, _ = run(
        capsys,
        "admin",
        "add",
        "--org",
        "acme",
        "--school",
        "s1",
        "--email",
        "Head@Acme.EDU",
        "--first-name",
        "Ada",
    )
    assert code == 0
    account_id = out.split()[-1]
    account = AccountStore().get(account_id)
    assert account.email == "head@acme.edu"
    assert account.admin_schools == {"s1"} and account.orgs == {"acme"}

    # The same person made admin of a second school keeps one account.
    code, out, _ = run(
        capsys, "admin", "add", "--org", "acme", "--school", "s2", "--email", "head@acme.edu"
    )
    assert code == 0 and out.split()[-1] == account_id
    assert AccountStore().get(account_id).admin_schools == {"s1", "s2"}

    code, out, _ = run(capsys, *PLATFORM)
    assert code == 0
    registration = PlatformStore().get("https://lms.example.edu", "client-1")
    assert registration.deployment_ids == ["dep-1", "dep-2"]
    code, out, _ = run(capsys, "platform", "list", "--org", "acme")
    assert "client-1" in out

    code, out, _ = run(
        capsys,
        "platform",
        "remove",
        "--issuer",
        "https://lms.example.edu",
        "--client-id",
        "client-1",
    )
    assert code == 0
    assert PlatformStore().get("https://lms.example.edu", "client-1") is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["admin", "add", "--org", "nope", "--school", "s1", "--email", "a@b.c"],
            "unknown org 'nope'",
        ),
        (
            ["admin", "add", "--org", "acme", "--school", "zz", "--email", "a@b.c"],
            "school 'zz' is not a school of org 'acme'",
        ),
        (
            ["admin", "add", "--org", "acme", "--school", "s1", "--email", "nobody"],
            "not an email address",
        ),
        ([*PLATFORM[:3], "nope", *PLATFORM[4:]], "unknown org 'nope'"),
        ([*PLATFORM[:5], "not a url", *PLATFORM[6:]], "invalid issuer"),
        ([*PLATFORM[:-1], "ftp:/x"], "invalid jwks-url"),
        (["org", "create", "acme", "--name", "Again"], "already exists"),
        (
            ["org", "create", "other", "--name", "O", "--school", "s1"],
            "school 's1' already belongs",
        ),
        (
            ["platform", "remove", "--issuer", "https://x.example", "--client-id", "c"],
            "no platform",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_1(stack, capsys, argv, message):
    assert run(capsys, "org", "create", "acme", "--name", "Acme", "--school", "s1")[0] == 0
    code, _out, err = run(capsys, *argv)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_duplicate_platform_registration_is_refused(stack, capsys):
    run(capsys, "org", "create", "acme", "--name", "Acme", "--school", "s1")
    assert run(capsys, *PLATFORM)[0] == 0
    code, _, err = run(capsys, *PLATFORM)
    assert code == 1 and "already registered" in err


def test_console_script_talks_to_the_local_stack_by_ports(stack):
    env = {
        **os.environ,
        "CB_MOTO_PORT": str(stack.ports.moto),
        "CB_DYNAMODB_PORT": str(stack.ports.dynamodb),
    }
    for name in ("USERS_TABLE", "APP_TABLE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "local.cli", "org", "create", "viaport", "--name", "V"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert OrgStore().get("viaport") is not None
