"""Verification tokens (signed, expiring) and the mailer's SES call (pure, no AWS)."""

from __future__ import annotations

import pytest

from coursebridge.accounts.verification import (
    VerificationFailed,
    check_token,
    issue_token,
    token_hash,
    verify_url,
)
from coursebridge.accounts.verification_email import verification_email
from coursebridge.notify.mailer import Email, Mailer

SECRET = b"s" * 32
NOW = 1_800_000_000


def test_a_fresh_token_checks_and_maps_to_its_hash():
    token, expires_at = issue_token(SECRET, NOW, lifetime=3600)
    assert expires_at == NOW + 3600
    assert check_token(token, SECRET, NOW + 3599) == token_hash(token)
    assert token_hash(token) != token_hash(issue_token(SECRET, NOW)[0])


TOKEN, _ = issue_token(SECRET, NOW)
RANDOM, EXPIRY, SIGNATURE = TOKEN.split(".")


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(f"{RANDOM}.{int(EXPIRY) + 86400}.{SIGNATURE}", id="extended-expiry"),
        # The last character always changes (replacing an "A" by "A" would be no change).
        pytest.param(f"{RANDOM[:-1]}{'B' if RANDOM.endswith('A') else 'A'}.{EXPIRY}.{SIGNATURE}",
                     id="another-random-part"),
        pytest.param(f"{RANDOM}.{EXPIRY}.{SIGNATURE[:-2]}", id="truncated-signature"),
        pytest.param(f"{RANDOM}.{EXPIRY}", id="no-signature"),
        pytest.param(TOKEN + ".x", id="a-fourth-part"),
        pytest.param("", id="empty"),
        pytest.param("a.b.c", id="non-numeric-expiry"),
        pytest.param("x" * 500, id="too-long"),
        pytest.param(None, id="not-a-string"),
    ],
)  # fmt: skip
def test_tampered_or_malformed_tokens_are_invalid(bad):
    with pytest.raises(VerificationFailed) as failure:
        check_token(bad, SECRET, NOW)
    assert failure.value.status == 400


def test_a_token_signed_with_another_secret_is_invalid():
    token, _ = issue_token(b"other" * 8, NOW)
    with pytest.raises(VerificationFailed) as failure:
        check_token(token, SECRET, NOW)
    assert failure.value.status == 400


def test_an_expired_token_is_gone():
    token, expires_at = issue_token(SECRET, NOW, lifetime=60)
    with pytest.raises(VerificationFailed) as failure:
        check_token(token, SECRET, expires_at)
    assert failure.value.status == 410


def test_verify_url_carries_the_token():
    assert verify_url("https://tool.example.com/", "a.1.b") == (
        "https://tool.example.com/app/verify?token=a.1.b"
    )


class FakeSes:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def send_email(self, **kwargs):
        self.calls.append(kwargs)
        return {"MessageId": "m-1"}


def test_mailer_sends_text_and_html_from_the_sender():
    ses = FakeSes()
    message_id = Mailer(ses=ses, sender="no-reply@example.com").send(
        Email(to="ada@example.edu", subject="Hi", text="plain", html="<p>rich</p>")
    )
    assert message_id == "m-1"
    (call,) = ses.calls
    assert call["Source"] == "no-reply@example.com"
    assert call["Destination"] == {"ToAddresses": ["ada@example.edu"]}
    assert call["Message"]["Body"]["Text"]["Data"] == "plain"
    assert call["Message"]["Body"]["Html"]["Data"] == "<p>rich</p>"


def test_verification_email_escapes_the_org_name_in_html():
    email = verification_email(
        "ada@example.edu", "<b>Evil</b> Org", "https://t/app/verify?token=x&y", 24
    )
    assert "<b>Evil</b>" not in email.html and "&lt;b&gt;Evil" in email.html
    assert "https://t/app/verify?token=x&amp;y" in email.html
    assert "https://t/app/verify?token=x&y" in email.text
    assert "24 hours" in email.text
