"""``coursebridge org create|show|update`` and ``coursebridge platform add|list|remove``
(and ``platform check``, cli/check.py):
an organization's settings and LMS registrations. ``org update`` and ``platform
add|remove`` apply the same rules as the Admin Portal (coursebridge/orgs/), audited
with the operator as the actor."""

from __future__ import annotations

import argparse
from typing import Any

from coursebridge.cli.check import add_check_command
from coursebridge.cli.errors import CliError
from coursebridge.orgs.registrations import (
    RegistrationRefused,
    add_registration,
    new_registration,
    remove_registration,
)
from coursebridge.orgs.settings import (
    Actor,
    SettingRefused,
    change_settings,
    clean_sender_email,
    clean_student_id_field,
)
from coursebridge.store.orgs import SETTINGS, Org, OrgStore
from coursebridge.store.platforms import PlatformStore


def org_create(args: argparse.Namespace) -> str:
    org = Org(
        org_id=args.org,
        name=args.name,
        schools=list(dict.fromkeys(args.school or [])),
        trial=args.trial,
        student_id_field=args.student_id_field,
        auto_map=not args.no_auto_map,
        csv_password_override=args.csv_password_override,
        sender_email=args.sender_email,
    )
    OrgStore().create(org)
    return f"created org {org.org_id}"


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    return str(value).lower() if isinstance(value, bool) else str(value)


def org_show(args: argparse.Namespace) -> str:
    org = OrgStore().get(args.org, consistent=True)
    if org is None:
        raise CliError(f"unknown org {args.org!r}")
    settings = org.model_dump()
    lines = [f"org\t{org.org_id}", f"name\t{org.name}", f"schools\t{','.join(org.schools) or '-'}"]
    lines += [f"{label}\t{_shown(settings[name])}" for name, label in SETTINGS.items()]
    for registration in PlatformStore().for_org(org.org_id):
        deployments = ",".join(registration.deployment_ids)
        lines.append(f"platform\t{registration.issuer}\t{registration.client_id}\t{deployments}")
    return "\n".join(lines)


def _wanted(args: argparse.Namespace) -> dict[str, Any]:
    """The settings named on the command line, cleaned (an empty value unsets a text one)."""
    wanted: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("trial", "csv_password_override", "auto_map")
        if getattr(args, name) is not None
    }
    try:
        if args.student_id_field is not None:
            wanted["student_id_field"] = clean_student_id_field(args.student_id_field)
        if args.sender_email is not None:
            wanted["sender_email"] = clean_sender_email(args.sender_email)
    except SettingRefused as refused:
        raise CliError(f"invalid {refused.setting}: {refused.message}") from None
    return wanted


def org_update(args: argparse.Namespace) -> str:
    if OrgStore().get(args.org, consistent=True) is None:
        raise CliError(f"unknown org {args.org!r}")
    wanted = _wanted(args)
    if not wanted:
        raise CliError("nothing to change: name at least one setting (see --help)")
    changed = change_settings(args.org, wanted, Actor.operator("org update"))
    if not changed:
        return f"org {args.org} unchanged"
    told = ", ".join(f"{SETTINGS[name]} {_shown(new)}" for name, (_, new) in changed.items())
    return f"updated org {args.org}: {told}"


def platform_add(args: argparse.Namespace) -> str:
    if OrgStore().get(args.org) is None:
        raise CliError(f"unknown org {args.org!r}")
    try:
        registration = new_registration(
            args.org,
            issuer=args.issuer,
            client_id=args.client_id,
            deployment_ids=args.deployment_id,
            auth_login_url=args.auth_login_url,
            auth_token_url=args.auth_token_url,
            jwks_url=args.jwks_url,
            lms_origins=args.lms_origin or [],
        )
    except RegistrationRefused as refused:
        raise CliError(str(refused)) from None
    add_registration(registration, Actor.operator("platform add"))
    return f"registered platform {registration.issuer} client {registration.client_id}"


def platform_list(args: argparse.Namespace) -> str:
    store = PlatformStore()
    registrations = store.for_org(args.org) if args.org else store.for_issuer(args.issuer)
    lines = [
        f"{r.org_id}\t{r.issuer}\t{r.client_id}\t{','.join(r.deployment_ids)}"
        for r in registrations
    ]
    return "\n".join(lines) if lines else "no platforms"


def platform_remove(args: argparse.Namespace) -> str:
    remove_registration(args.issuer, args.client_id, Actor.operator("platform remove"))
    return f"removed platform {args.issuer} client {args.client_id}"


# ---------------------------------------------------------------- parsers
def _switch(parser: argparse.ArgumentParser, name: str, help_on: str) -> None:
    """``--NAME`` / ``--no-NAME``; absent: unchanged (None)."""
    dest = name.replace("-", "_")
    switch = parser.add_mutually_exclusive_group()
    switch.add_argument(f"--{name}", dest=dest, action="store_true", default=None, help=help_on)
    switch.add_argument(f"--no-{name}", dest=dest, action="store_false", default=None)


def add_org_commands(groups: Any) -> None:
    org = groups.add_parser("org", help="organizations").add_subparsers(dest="cmd", required=True)
    create = org.add_parser("create", help="create an organization")
    create.add_argument("org", help="the org id (letters, digits, . _ -)")
    create.add_argument("--name", required=True)
    create.add_argument("--school", action="append", metavar="SCHOOLID")
    create.add_argument("--trial", action="store_true")
    create.add_argument("--student-id-field", metavar="CLAIM")
    create.add_argument("--no-auto-map", action="store_true")
    create.add_argument("--csv-password-override", action="store_true")
    create.add_argument("--sender-email")
    create.set_defaults(func=org_create)

    show = org.add_parser("show", help="an organization's settings and LMS registrations")
    show.add_argument("org")
    show.set_defaults(func=org_show)

    update = org.add_parser("update", help="change an organization's settings (audited)")
    update.add_argument("org")
    _switch(update, "trial", "trial mode: no student accounts from LMS launches")
    update.add_argument("--student-id-field", metavar="CLAIM", help='custom claim; "" for none')
    _switch(update, "csv-password-override", "a CSV custom password replaces existing ones")
    _switch(update, "auto-map", "first launches create classes and units")
    update.add_argument("--sender-email", metavar="EMAIL", help='SES-verified; "" for the default')
    update.set_defaults(func=org_update)


def add_platform_commands(groups: Any) -> None:
    platform = groups.add_parser("platform", help="LMS registrations").add_subparsers(
        dest="cmd", required=True
    )
    add = platform.add_parser("add", help="register an LMS platform")
    add.add_argument("--org", required=True)
    add.add_argument("--issuer", required=True)
    add.add_argument("--client-id", required=True)
    add.add_argument("--deployment-id", action="append", required=True)
    add.add_argument("--auth-login-url", required=True)
    add.add_argument("--auth-token-url", required=True)
    add.add_argument("--jwks-url", required=True)
    add.add_argument(
        "--lms-origin",
        action="append",
        help="an origin the LMS serves pages from, off the issuer's domain (repeatable)",
    )
    add.set_defaults(func=platform_add)
    listing = platform.add_parser("list", help="list registrations of an org or issuer")
    which = listing.add_mutually_exclusive_group(required=True)
    which.add_argument("--org")
    which.add_argument("--issuer")
    listing.set_defaults(func=platform_list)
    remove = platform.add_parser("remove", help="remove a registration")
    remove.add_argument("--issuer", required=True)
    remove.add_argument("--client-id", required=True)
    remove.set_defaults(func=platform_remove)
    add_check_command(platform)
