"""Expected LTI failures, each naming the check that failed.

The handlers map them to a 4xx page in one place (``launch/rejections.py``); ``check`` is
also the ``reason`` of the structured log line and of the rejection metric.
"""

from __future__ import annotations


class LtiRejected(Exception):
    """A login or launch request that fails a check. Never carries the token."""

    status = 400

    def __init__(self, check: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check
        self.message = message
        if status is not None:
            self.status = status


class LoginRejected(LtiRejected):
    """OIDC login initiation rejected (unknown platform, missing parameter…)."""


class LaunchRejected(LtiRejected):
    """id_token / state rejected at the launch."""
