"""Upload tickets: issued for one admin, key and set of options, until an expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from coursebridge.imports.jobs import Job
from coursebridge.imports.options import ImportOptions, Upload
from coursebridge.imports.ticket import (
    TicketRefused,
    TicketTerms,
    check_ticket,
    issue_ticket,
    ticket_in,
)
from coursebridge.imports.upload import summary_lines, upload_metadata

SECRET = b"s" * 64
NOW = 1_800_000_000
KEY = "uploads/acc_A/fall.csv"
TERMS = TicketTerms(KEY, dry_run=False, send_welcome=True, custom_password=True)
TICKET = issue_ticket(TERMS, SECRET, NOW)


def refusal(ticket, terms=TERMS, secret=SECRET, stored_at=NOW + 10) -> str:
    with pytest.raises(TicketRefused) as refused:
        check_ticket(ticket, terms, secret, stored_at)
    return refused.value.code


def flip_last(text: str) -> str:
    return text[:-1] + ("A" if text[-1] != "A" else "B")


def test_a_ticket_is_good_for_its_terms_until_it_expires():
    check_ticket(TICKET, TERMS, SECRET, NOW)
    check_ticket(TICKET, TERMS, SECRET, NOW + 3599)
    assert refusal(TICKET, stored_at=NOW + 3600) == "expired_ticket"


OTHER_TERMS = [
    ("another admin's prefix, same file name", TicketTerms("uploads/acc_B/fall.csv", False,
                                                            True, True)),
    ("another file of the same admin", TicketTerms("uploads/acc_A/spring.csv", False, True, True)),
    ("a sub-folder of the same admin", TicketTerms("uploads/acc_A/x/fall.csv", False, True, True)),
    ("dry-run switched on", TicketTerms(KEY, True, True, True)),
    ("send-welcome switched off", TicketTerms(KEY, False, False, True)),
    ("custom password removed", TicketTerms(KEY, False, True, False)),
]  # fmt: skip


@pytest.mark.parametrize(("label", "terms"), OTHER_TERMS, ids=[t[0] for t in OTHER_TERMS])
def test_a_ticket_does_not_match_other_terms(label, terms):
    assert refusal(TICKET, terms=terms) == "wrong_ticket"


def _without_prefix(terms: TicketTerms, expires_at: int) -> str:
    """The same secret and terms, signed without the ticket's own prefix (as a session
    token signs its payload): what another use of the secret could produce."""
    body = terms.message(expires_at).split(b":", 1)[1]
    assert body.startswith(b"{")
    digest = hmac.new(SECRET, body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


BAD_TICKETS = [
    ("missing", None, "no_ticket"),
    ("empty", "", "no_ticket"),
    ("one part", "v1", "malformed_ticket"),
    ("unknown version", TICKET.replace("v1.", "v9.", 1), "malformed_ticket"),
    ("expiry not a number", f"v1.soon.{TICKET.split('.')[2]}", "malformed_ticket"),
    ("too long", TICKET + "A" * 300, "malformed_ticket"),
    ("signature changed", flip_last(TICKET), "wrong_ticket"),
    ("expiry pushed back", f"v1.{NOW + 999_999}.{TICKET.split('.')[2]}", "wrong_ticket"),
    ("signed with another secret", issue_ticket(TERMS, b"t" * 64, NOW), "wrong_ticket"),
    ("signed without the ticket's prefix",
     f"v1.{NOW + 3600}.{_without_prefix(TERMS, NOW + 3600)}", "wrong_ticket"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "ticket", "code"), BAD_TICKETS, ids=[b[0] for b in BAD_TICKETS])
def test_bad_tickets_are_refused(label, ticket, code):
    assert refusal(ticket) == code


def test_the_cli_metadata_carries_a_ticket_for_its_own_options():
    metadata = upload_metadata(KEY, send_welcome=True, custom_password="P-1", secret=SECRET,
                               now=NOW)  # fmt: skip
    terms = TicketTerms.of(KEY, ImportOptions.from_metadata(metadata))
    assert terms == TERMS
    check_ticket(ticket_in(metadata), terms, SECRET, NOW)
    assert "P-1" not in ticket_in(metadata)


def test_the_ticket_is_found_whatever_the_case_of_its_metadata_name():
    assert ticket_in({"Upload-Ticket": "v1.1.x"}) == "v1.1.x"
    assert ticket_in({"dry-run": "true"}) is None


def test_a_refused_upload_is_summarised_with_its_reason():
    job = Job(Upload("b", KEY, "v"), "rejected", NOW,
              rejection={"code": "no_ticket", "message": "No ticket."})  # fmt: skip
    assert summary_lines(job) == ["upload refused, nothing imported: No ticket."]
