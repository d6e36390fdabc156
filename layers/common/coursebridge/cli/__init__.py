"""`coursebridge` — the admin's command line for one-time setup.

``--stack NAME`` (or ``CB_STACK``) talks to a deployed stack, finding its resources
in the stack's outputs and using the normal boto3 credentials; without one it uses
the environment as it is (the ``coursebridge`` command that ``make dev`` installs,
``local/cli.py``, fills it in for the local stack). Ids go to stdout (the created id
is the last word of the last line); problems go to stderr as one line, exit 1.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from coursebridge import aws
from coursebridge.accounts.admin_invites import AdminInvitations
from coursebridge.accounts.profile import MAX_NAME, clean_email, clean_text
from coursebridge.cli.errors import CliError
from coursebridge.cli.orgs import add_org_commands, add_platform_commands
from coursebridge.imports.upload import (
    ImportTimedOut,
    summary_lines,
    upload_csv,
    wait_for_report,
)
from coursebridge.settings import get_settings
from coursebridge.store.accounts import (
    Account,
    AccountStore,
    EmailAlreadyClaimed,
)
from coursebridge.store.audit import AuditStore
from coursebridge.store.errors import SettingsChanged
from coursebridge.store.orgs import Org, OrgAlreadyExists, OrgStore, SchoolAlreadyOwned
from coursebridge.store.platforms import PlatformAlreadyRegistered, PlatformNotFound

__all__ = ["CliError", "build_parser", "connect", "main"]

# Stack outputs → the environment variables Settings reads.
_OUTPUT_TO_ENV = {
    "UsersTableName": "USERS_TABLE",
    "AppTableName": "APP_TABLE",
    "ImportsBucketName": "IMPORTS_BUCKET",
    "ImportQueueUrl": "IMPORT_QUEUE_URL",
    "ReleaseQueueUrl": "RELEASE_QUEUE_URL",
    "SigningKeyId": "SIGNING_KEY_ID",
    "SessionSecretArn": "SESSION_SECRET_ARN",
    "ApiUrl": "PUBLIC_BASE_URL",
}


# ---------------------------------------------------------------- connection
def connect(stack: str | None) -> None:
    """Point settings and clients at a deployed stack; without one, at what the
    environment names (the local harness's ``coursebridge`` command fills it in)."""
    if stack:
        try:
            outputs = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0][
                "Outputs"
            ]
        except (ClientError, BotoCoreError) as error:
            raise CliError(f"cannot read stack {stack!r}: {error}") from None
        for output in outputs:
            env_name = _OUTPUT_TO_ENV.get(output["OutputKey"])
            if env_name:
                os.environ[env_name] = output["OutputValue"]
    get_settings.cache_clear()
    aws.reset()


# ---------------------------------------------------------------- commands
def admin_add(args: argparse.Namespace) -> str:
    orgs = OrgStore()
    org = orgs.get(args.org)
    if org is None:
        raise CliError(f"unknown org {args.org!r}")
    if args.school not in org.schools:
        raise CliError(f"school {args.school!r} is not a school of org {args.org!r}")
    email = clean_email(args.email)
    if email is None:
        raise CliError(f"not an email address: {args.email!r}")
    accounts = AccountStore()
    account_id = accounts.account_id_for_email(email)
    if account_id is None:
        account = Account(
            email=email,
            first_name=clean_text(args.first_name, MAX_NAME),
            last_name=clean_text(args.last_name, MAX_NAME),
            is_teacher=True,
            source="cli",
            orgs={org.org_id},
            schools={args.school},
        )
        try:
            account_id = accounts.create(account).account_id
        except EmailAlreadyClaimed:  # created concurrently: use the winner
            account_id = accounts.account_id_for_email(email)
    assert account_id is not None
    holder = accounts.get(account_id, consistent=True)
    if holder is not None and org.org_id not in holder.orgs:
        return _invite_admin(org, args.school, holder)
    accounts.grant_admin(account_id, org.org_id, args.school)
    orgs.record_admin(org.org_id, args.school, account_id)
    return f"admin of {args.school}: {account_id}"


def _invite_admin(org: Org, school_id: str, account: Account) -> str:
    """The email's account belongs to other organizations only: grant nothing, invite."""
    base_url = get_settings().public_base_url
    if not base_url:
        raise CliError("PUBLIC_BASE_URL is not set: the invitation link needs the tool's URL")
    try:
        email = AdminInvitations().invite(org, school_id, account, base_url)
    except (ClientError, BotoCoreError) as error:
        raise CliError(f"the invitation email could not be sent: {error}") from None
    return (
        f"{email} has an account outside {org.org_id}: nothing granted until they accept "
        f"the invitation emailed to them; invited account: {account.account_id}"
    )


def keys_rotate(args: argparse.Namespace) -> str:
    from coursebridge.keyring import rotate_signing_key

    if args.grace_days < 0:
        raise CliError("--grace-days must be 0 or more")
    key_id = rotate_signing_key(int(args.grace_days * 24 * 3600))
    return f"active signing key {key_id}"


def accounts_audit(args: argparse.Namespace) -> str:
    if OrgStore().get(args.org) is None:
        raise CliError(f"unknown org {args.org!r}")
    records = AuditStore().list_for_org(args.org, limit=args.limit)
    lines = []
    for record in records:
        when = datetime.datetime.fromtimestamp(record.at_ms / 1000, datetime.UTC)
        details = " ".join(f"{k}={v}" for k, v in sorted(record.details.items()))
        lines.append(
            "\t".join(
                [
                    when.isoformat(timespec="seconds").replace("+00:00", "Z"),
                    record.action,
                    record.account_id,
                    record.actor,
                    record.launch_id or "-",
                    details,
                ]
            ).rstrip()
        )
    return "\n".join(lines) if lines else f"no audit records for org {args.org}"


def grades_export(args: argparse.Namespace) -> str:
    from coursebridge.grades.export import ExportNotFound, export_unit

    try:
        text = export_unit(args.class_id, args.unit_id)
    except ExportNotFound as error:
        raise CliError(str(error)) from None
    if args.output in (None, "-"):
        return text.rstrip("\r\n")
    with open(args.output, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    return f"wrote {args.output}"


def import_csv(args: argparse.Namespace) -> str:
    """Upload like an admin would (with an upload ticket for that admin), follow the
    job, print the summary."""
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {args.file}")
    if AccountStore().get(args.admin) is None:
        raise CliError(f"unknown account {args.admin!r} (use the admin's account id)")
    upload = upload_csv(
        path,
        args.admin,
        send_welcome=args.send_welcome,
        custom_password=args.custom_password,
        dry_run=args.dry_run,
    )
    try:
        job = wait_for_report(upload, args.timeout)
    except ImportTimedOut as error:
        raise CliError(str(error)) from None
    lines = summary_lines(job)
    if job.status in ("file_error", "rejected"):
        raise CliError("\n".join(lines))
    return "\n".join(lines)


# ---------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coursebridge", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stack",
        default=os.environ.get("CB_STACK"),
        help="deployed CloudFormation stack (default: the local stack)",
    )
    groups = parser.add_subparsers(dest="group", required=True)
    add_org_commands(groups)
    admin = groups.add_parser("admin", help="school admins").add_subparsers(
        dest="cmd", required=True
    )
    add_admin = admin.add_parser("add", help="make an account admin of a school")
    add_admin.add_argument("--org", required=True)
    add_admin.add_argument("--school", required=True)
    add_admin.add_argument("--email", required=True)
    add_admin.add_argument("--first-name")
    add_admin.add_argument("--last-name")
    add_admin.set_defaults(func=admin_add)
    add_platform_commands(groups)

    keys = groups.add_parser("keys", help="the tool's signing keys").add_subparsers(
        dest="cmd", required=True
    )
    rotate = keys.add_parser("rotate", help="new KMS signing key; the old one stays published")
    rotate.add_argument(
        "--grace-days",
        type=float,
        default=7,
        help="how long the old key stays in the JWKS (default 7)",
    )
    rotate.set_defaults(func=keys_rotate)

    accounts = groups.add_parser("accounts", help="accounts").add_subparsers(
        dest="cmd", required=True
    )
    audit = accounts.add_parser(
        "audit", help="list account creations, links, updates and verifications of an org"
    )
    audit.add_argument("--org", required=True)
    audit.add_argument("--limit", type=int, default=1000, help="newest N records (default 1000)")
    audit.set_defaults(func=accounts_audit)

    grades = groups.add_parser("grades", help="grades of a unit").add_subparsers(
        dest="cmd", required=True
    )
    export = grades.add_parser("export", help="a unit's grades as CSV (stdout or --output)")
    export.add_argument("--class", dest="class_id", required=True, metavar="CLASSID")
    export.add_argument("--unit", dest="unit_id", required=True, metavar="UNITID")
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    export.set_defaults(func=grades_export)

    imports = groups.add_parser("import", help="import users from a CSV file, as an admin")
    imports.add_argument("file", metavar="FILE.csv")
    imports.add_argument("--admin", required=True, metavar="ACCOUNTID", help="uploading admin")
    imports.add_argument("--send-welcome", action="store_true")
    imports.add_argument("--custom-password", metavar="P")
    imports.add_argument("--dry-run", action="store_true")
    imports.add_argument("--timeout", type=float, default=600, help="seconds to wait")
    imports.set_defaults(func=import_csv)
    return parser


def _describe_validation(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "value"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"invalid {field.replace('_', '-')}: {message}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], str] = args.func
    try:
        connect(args.stack)
        print(command(args))
    except CliError as error:
        print(f"coursebridge: {error}", file=sys.stderr)
        return 1
    except ValidationError as error:
        print(f"coursebridge: {_describe_validation(error)}", file=sys.stderr)
        return 1
    except (
        OrgAlreadyExists,
        SchoolAlreadyOwned,
        PlatformAlreadyRegistered,
        PlatformNotFound,
        SettingsChanged,
    ) as error:
        print(f"coursebridge: {error}", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as error:
        print(f"coursebridge: AWS error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
