"""Welcome emails to accounts a CSV import created, paced under the SES sending rate."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class WelcomeMailer:
    """Sends at most ``per_second`` messages a second (a token bucket of one second)."""

    def __init__(
        self,
        ses: Any,
        sender: str,
        per_second: float,
        with_password: bool,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ses = ses
        self.sender = sender
        self.interval = 1.0 / per_second
        self.with_password = with_password
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

    def send(self, email: str, first_name: str) -> None:
        self._pace()
        if self.with_password:
            how = (
                "Your school set a first-login password for you; they will tell you what it "
                "is. You will choose your own password when you first sign in."
            )
        else:
            how = "Sign in from your course in your school's LMS, or set a password with "
            how += "'Forgot password' on the sign-in page."
        body = f"Hello {first_name},\n\nAn account was created for you ({email}).\n\n{how}\n"
        self.ses.send_email(
            Source=self.sender,
            Destination={"ToAddresses": [email]},
            Message={
                "Subject": {"Data": "Your coursebridge account is ready"},
                "Body": {"Text": {"Data": body}},
            },
        )
        self.sent += 1
