"""Emails sent through (moto) SES, read back from moto's data API.

Used by ``make dev`` to echo each new email on the console, and by tests to read
what a user would have received.
"""

from __future__ import annotations

import email
import email.policy
import json
import urllib.request
from dataclasses import dataclass, field


@dataclass
class SentEmail:
    source: str
    to: list[str]
    subject: str
    text: str
    raw: str | None = None
    attachments: dict[str, bytes] = field(default_factory=dict)


def _from_raw(entry: dict) -> SentEmail:
    message = email.message_from_string(entry["raw_data"], policy=email.policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    attachments = {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.iter_attachments()
        if part.get_filename()
    }
    return SentEmail(
        source=entry.get("source") or str(message["from"]),
        to=list(entry.get("destinations") or [str(message["to"])]),
        subject=str(message["subject"] or ""),
        text=body.get_content() if body else "",
        raw=entry["raw_data"],
        attachments=attachments,
    )


def sent_emails(moto_url: str) -> list[SentEmail]:
    """Every message moto's SES has accepted (simple, raw and templated)."""
    with urllib.request.urlopen(f"{moto_url}/moto-api/data.json", timeout=10) as response:  # noqa: S310
        ses = json.load(response).get("ses", {})
    found = []
    for entry in ses.get("Message", []):
        destinations = entry.get("destinations", {})
        to = [
            a
            for key in ("ToAddresses", "CcAddresses", "BccAddresses")
            for a in destinations.get(key, [])
        ]
        found.append(
            SentEmail(entry["source"], to, entry.get("subject", ""), entry.get("body", ""))
        )
    found.extend(_from_raw(entry) for entry in ses.get("RawMessage", []))
    for entry in ses.get("TemplateMessage", []):
        destinations = entry.get("destinations", {})
        found.append(
            SentEmail(
                entry["source"],
                list(destinations.get("ToAddresses", [])),
                entry.get("template", ""),
                json.dumps(entry.get("template_data")),
            )
        )
    return found
