"""The demo LMS's Platform Notification Service (as Canvas has it): a tool registers a
notice handler with ``PUT /pns/<deployment>`` (bearer token of the ``noticehandlers``
scope), and ``copy_course`` posts a signed ``LtiContextCopyNotice`` to that handler, as
Canvas does when course content is copied into a new course.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from typing import Any

from local.demo_lms.platform import CLAIM, DemoPlatform

NOTICE_HANDLERS_SCOPE = "https://purl.imsglobal.org/spec/lti/scope/noticehandlers"
PNS_CLAIM = CLAIM + "platformnotificationservice"
CONTEXT_COPY = "LtiContextCopyNotice"

Reply = tuple[int, dict[str, str], bytes]


def _json(status: int, payload: Any) -> Reply:
    return status, {"content-type": "application/json"}, json.dumps(payload).encode()


class PnsService:
    def __init__(self, ags: Any, platform: DemoPlatform) -> None:
        self.ags = ags
        ags.grantable.add(NOTICE_HANDLERS_SCOPE)
        self.platform = platform
        self.handlers: dict[tuple[str, str], str] = {}  # (deployment, type) → handler URL
        self.delivered: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def service_url(self, deployment_id: str) -> str:
        return f"{self.platform.base_url}/pns/{deployment_id}"

    def claim(self, deployment_id: str) -> dict[str, Any]:
        return {
            "service_versions": ["1.0"],
            "platform_notification_service_url": self.service_url(deployment_id),
            "scope": [NOTICE_HANDLERS_SCOPE],
            "notice_types_supported": ["LtiHelloWorldNotice", CONTEXT_COPY],
        }

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        segments = [s for s in path.split("?")[0].split("/") if s]
        if len(segments) != 2 or method not in ("GET", "PUT"):
            return _json(404, {"error": "not_found"})
        token = self.ags._bearer(
            {k.lower(): v for k, v in headers.items()}, {NOTICE_HANDLERS_SCOPE}
        )
        if not hasattr(token, "scopes"):
            return token
        deployment_id = segments[1]
        if method == "PUT":
            try:
                data = json.loads(body)
                notice_type, handler = str(data["notice_type"]), str(data["handler"])
            except (ValueError, KeyError, TypeError):
                return _json(400, {"error": "notice_type and handler are required"})
            with self._lock:
                self.handlers[(deployment_id, notice_type)] = handler
            return _json(200, {"notice_type": notice_type, "handler": handler})
        with self._lock:
            found = [
                {"notice_type": t, "handler": h}
                for (d, t), h in self.handlers.items()
                if d == deployment_id
            ]
        return _json(200, {"deployment_id": deployment_id, "notice_handlers": found})

    def copy_notice(self, context: dict[str, str], origin: str) -> str:
        now = int(time.time())
        p = self.platform
        claims = {
            "iss": p.issuer,
            "aud": p.client_id,
            "azp": p.client_id,
            "iat": now,
            "exp": now + 3600,
            "nonce": uuid.uuid4().hex,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": p.deployment_id,
            CLAIM + "notice": {"id": str(uuid.uuid4()), "timestamp": "now", "type": CONTEXT_COPY},
            CLAIM + "context": {k: context[k] for k in ("id", "label", "title")},
            CLAIM + "origin_contexts": [origin],
        }
        return p.keys.sign(claims)

    def copy_course(self, context: dict[str, str], origin: str) -> int | None:
        """Post the copy notice to the registered handler; its HTTP status (None: none)."""
        with self._lock:
            handler = self.handlers.get((self.platform.deployment_id, CONTEXT_COPY))
        if not handler:
            return None
        body = json.dumps({"notices": [{"jwt": self.copy_notice(context, origin)}]}).encode()
        request = urllib.request.Request(  # noqa: S310 - the handler the tool registered
            handler, data=body, headers={"content-type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            self.delivered.append(json.loads(response.read()))
            return int(response.status)
