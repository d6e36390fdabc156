"""Welcome emails to accounts a CSV import created, paced under the SES sending rate.

Each says where to sign in, the account's username, and whether the school set a
first-login password (it then works once, and the first sign-in chooses a new one) or
not (the person sets a password through "Forgot password?", or never needs one when
they come from their LMS).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape
from typing import Any

from coursebridge.accounts.sign_in_pages import FORGOT_PASSWORD_PATH
from coursebridge.notify.mailer import Email

SUBJECT = "Your coursebridge account is ready"


def welcome_email(
    to: str, first_name: str, username: str | None, sign_in_url: str, with_password: bool
) -> Email:
    name = f" ({username})" if username else ""
    if with_password:
        how = (
            "Your school set a first-login password for you; they will tell you what it is. "
            "It works once: when you first sign in with it, you choose your own password."
        )
    else:
        how = (
            "You need no password to open coursebridge from a course in your school's LMS. "
            "To sign in directly, set a password first: on the sign-in page choose "
            f"'Forgot password?' ({FORGOT_PASSWORD_PATH}) and enter your username or email; "
            "we email you a link to set it."
        )
    who = f"Username: {username}\n" if username else ""
    text = (
        f"Hello {first_name},\n\n"
        f"Your school created a coursebridge account{name} for you.\n\n"
        f"Sign in at: {sign_in_url}\n"
        f"{who}"
        f"Email: {to} (you may sign in with either)\n\n"
        f"{how}\n"
    )
    html = (
        f"<p>Hello {escape(first_name)},</p>"
        f"<p>Your school created a coursebridge account{escape(name)} for you.</p>"
        f'<p>Sign in at: <a href="{escape(sign_in_url, quote=True)}">{escape(sign_in_url)}</a>'
        + (f"<br>Username: <strong>{escape(username)}</strong>" if username else "")
        + f"<br>Email: {escape(to)} (you may sign in with either)</p>"
        f"<p>{escape(how)}</p>"
    )
    return Email(to=to, subject=SUBJECT, text=text, html=html)


class WelcomeMailer:
    """Sends at most ``per_second`` messages a second (a token bucket of one second)."""

    def __init__(
        self,
        ses: Any,
        sender: str,
        per_second: float,
        with_password: bool,
        sign_in_url: str = "",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ses = ses
        self.sender = sender
        self.interval = 1.0 / per_second
        self.with_password = with_password
        self.sign_in_url = sign_in_url
        self.clock = clock
        self.sleep = sleep
        self._next = clock()
        self.sent = 0

    def _pace(self) -> None:
        now = self.clock()
        if now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = max(now, self._next) + self.interval

    def send(self, email: str, first_name: str, username: str | None = None) -> None:
        self._pace()
        message = welcome_email(email, first_name, username, self.sign_in_url, self.with_password)
        self.ses.send_email(
            Source=self.sender,
            Destination={"ToAddresses": [email]},
            Message={
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": message.text, "Charset": "UTF-8"},
                    "Html": {"Data": message.html, "Charset": "UTF-8"},
                },
            },
        )
        self.sent += 1
