"""`make dev`: run the whole system locally until Ctrl-C."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from local.environment import Ports
from local.mail import sent_emails
from local.servers import ServerError
from local.stack import LocalStack
from local.template import ROOT


def _echo_mail(stack: LocalStack, stop: threading.Event) -> None:
    seen = 0
    while not stop.wait(2):
        try:
            messages = sent_emails(stack.ports.moto_url)
        except OSError:
            continue
        for message in messages[seen:]:
            print(
                f"\n--- email via SES: {message.source} → {', '.join(message.to)}\n"
                f"Subject: {message.subject}\n\n{message.text}\n---",
                flush=True,
            )
        seen = len(messages)


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ports = Ports.from_env()
    stack = LocalStack(ports, log_dir=ROOT / ".local" / "logs", demo_lms=True)
    try:
        stack.start()
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stop = threading.Event()
    threading.Thread(target=_echo_mail, args=(stack, stop), daemon=True).start()
    extras = getattr(stack, "extra_urls", {})
    print(
        f"ready  tool={ports.tool_url}  jwks={ports.tool_url}/.well-known/jwks.json  "
        f"moto={ports.moto_url}  dynamodb={ports.dynamodb_url}  imports-bucket="
        f"{stack.resource('ImportsBucket')}"
        + "".join(f"  {name}={url}" for name, url in extras.items()),
        flush=True,
    )
    # Explicit handlers: a shell may start us with SIGINT ignored (background jobs).
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        print("stopping…", flush=True)
        stack.stop()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
