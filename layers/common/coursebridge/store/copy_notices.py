"""Copy notices (app table): what an LMS's ``LtiContextCopyNotice`` said a new course was
copied from, kept until that course's first launch creates its class.

Item: ``COPYNOTICE#<registrationId>#<deploymentId>#<contextId>`` / ``NOTICE``
      originContextIds (most recent first), receivedAt, ``ttl`` (a year).
Keyed by the registration whose key signed the notice, like the course maps, so a
notice only ever points a course of that registration at courses of that registration.
"""

from __future__ import annotations

from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, now_epoch

KEEP_SECONDS = 365 * 86_400


class CopyNoticeStore:
    def put(
        self, registration_id: str, deployment_id: str, context_id: str, origins: list[str]
    ) -> None:
        now = now_epoch()
        app_table().put_item(
            Item={
                **keys.copy_notice(registration_id, deployment_id, context_id),
                "kind": "copyNotice",
                "originContextIds": origins,
                "receivedAt": now,
                "ttl": now + KEEP_SECONDS,
            }
        )
