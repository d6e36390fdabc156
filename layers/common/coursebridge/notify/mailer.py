"""One email through SES ``SendEmail``: a text part and an HTML part, from our sender.

Injected wherever mail goes out, so unit tests pass a fake and integration tests
read the message back from moto's SES store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from coursebridge import aws
from coursebridge.settings import get_settings


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


class SendsEmail(Protocol):
    def send(self, email: Email) -> str: ...


class Mailer:
    def __init__(self, ses: Any | None = None, sender: str | None = None) -> None:
        self._ses = ses
        self._sender = sender

    def send(self, email: Email) -> str:
        """Send ``email``; returns SES's message id. SES errors propagate (ClientError)."""
        ses = self._ses or aws.client("ses")
        response = ses.send_email(
            Source=self._sender or get_settings().sender_email,
            Destination={"ToAddresses": [email.to]},
            Message={
                "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": email.text, "Charset": "UTF-8"},
                    "Html": {"Data": email.html, "Charset": "UTF-8"},
                },
            },
        )
        return str(response.get("MessageId", ""))
