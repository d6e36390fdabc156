"""``coursebridge platform check``: test a registration's LMS connection (a token request,
then a line-items read; lti/platform_check.py names each failure). Exit 1 on a failure."""

from __future__ import annotations

import argparse
from typing import Any

from coursebridge.cli.errors import CliError


def add_check_command(platform_commands: Any) -> None:
    check = platform_commands.add_parser(
        "check", help="test the LMS connection: a token request and a line-items read"
    )
    check.add_argument("--issuer", required=True)
    check.add_argument("--client-id", required=True)
    check.add_argument("--lineitems", metavar="URL", help="a line items URL to read (a launch's)")
    check.set_defaults(func=platform_check)


def platform_check(args: argparse.Namespace) -> str:
    from coursebridge.keyring import active_signing_key_id
    from coursebridge.lti.platform_check import check_connection
    from coursebridge.signing import KmsSigner
    from coursebridge.store.platforms import PlatformStore

    registration = PlatformStore().get(args.issuer, args.client_id)
    if registration is None:
        raise CliError(f"no registration of {args.issuer} client {args.client_id}")
    signer = KmsSigner(active_signing_key_id())
    steps = check_connection(registration, signer.sign_jwt, lineitems=args.lineitems)
    lines = [step.line() for step in steps]
    if not args.lineitems and steps[-1].ok:
        lines.append("line items: not read — pass --lineitems <a launch's lineitems URL>")
    text = "\n".join(lines)
    if not all(step.ok for step in steps):
        raise CliError(text)
    return text
