"""Ask the LMS for copy notices (Platform Notification Service 1.0), once per new course.

When a launch creates a class and offers the Platform Notification Service with
``LtiContextCopyNotice`` (Canvas), the tool registers its handler, ``/lti/notices`` on its
own origin, for the launch's deployment: a ``PUT`` of ``{"notice_type", "handler"}`` to the
service URL with a client-credentials token of the ``noticehandlers`` scope (the same
token cache and outbound policy as AGS). Registering again is harmless (one handler per
type), so nothing is stored; one quick try with a short deadline, and a refusal (no such
scope granted, an unreachable LMS) is logged and never fails the launch.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger

from coursebridge.keyring import active_signing_key_id
from coursebridge.lti.ags import AgsClient, AgsError, RetryPolicy
from coursebridge.lti.ags_token import AgsPlatform
from coursebridge.lti.claims import LaunchClaims
from coursebridge.lti.context_claims import CONTEXT_COPY
from coursebridge.signing import KmsSigner
from coursebridge.store.platforms import PlatformStore

logger = Logger(child=True)

NOTICE_HANDLERS_SCOPE = "https://purl.imsglobal.org/spec/lti/scope/noticehandlers"
NOTICES_PATH = "/lti/notices"
DEADLINE_SECONDS = 3.0


class _NoticeClient(AgsClient):
    def register(self, service_url: str, handler: str) -> None:
        self._call(
            "PUT",
            service_url,
            frozenset({NOTICE_HANDLERS_SCOPE}),
            body={"notice_type": CONTEXT_COPY, "handler": handler},
            content_type="application/json",
            accept="application/json",
        )


def handler_url(claims: LaunchClaims) -> str:
    parts = urlsplit(claims.target_link_uri)  # the launch checked it points at this tool
    return f"{parts.scheme}://{parts.netloc}{NOTICES_PATH}"


def register_copy_notices(claims: LaunchClaims) -> bool:
    """True when the LMS took the handler; False (logged) otherwise."""
    if not claims.notice_service_url:
        return False
    registration = PlatformStore().get(claims.issuer, claims.client_id)
    if registration is None or registration.registration_id != claims.registration_id:
        return False
    client = _NoticeClient(
        platform=AgsPlatform.of(registration),
        scopes=frozenset({NOTICE_HANDLERS_SCOPE}),
        sign_assertion=KmsSigner(active_signing_key_id()).sign_jwt,
        retry=RetryPolicy(max_attempts=1),
        deadline=time.monotonic() + DEADLINE_SECONDS,
    )
    try:
        client.register(claims.notice_service_url, handler_url(claims))
    except AgsError as error:
        logger.info("copy notices not registered", extra={"reason": error.reason})
        return False
    return True
