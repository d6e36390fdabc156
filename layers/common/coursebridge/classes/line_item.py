"""The maximum score of a new unit from the launch's AGS line item.

Asked once, when a launch that names a line item creates a unit; one quick try
(short deadline, no retries): a slow or refusing LMS leaves the unit without a
maximum score — the teacher sets it when grading — and never fails the launch.
"""

from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation

from aws_lambda_powertools import Logger

from coursebridge.keyring import active_signing_key_id
from coursebridge.lti.ags import (
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    AgsClient,
    AgsError,
    RetryPolicy,
)
from coursebridge.lti.ags_token import AgsPlatform
from coursebridge.lti.claims import LaunchClaims
from coursebridge.signing import KmsSigner
from coursebridge.store.platforms import PlatformStore

logger = Logger(child=True)
DEADLINE_SECONDS = 3.0


def line_item_max_from_lms(claims: LaunchClaims) -> Decimal | None:
    ags = claims.ags
    if ags is None or not ags.lineitem:
        return None
    if not {SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY} & set(ags.scope):
        return None
    client = _line_item_client(claims, ags.scope)
    if client is None:
        return None
    try:
        return _positive_decimal(client.get_line_item(ags.lineitem).get("scoreMaximum"))
    except (AgsError, InvalidOperation) as error:
        logger.info("line item not readable", extra={"reason": str(error)})
        return None


def _line_item_client(claims: LaunchClaims, scope: list[str]) -> AgsClient | None:
    """An AGS client for the launch's own registration (one try, a short deadline)."""
    registration = PlatformStore().get(claims.issuer, claims.client_id)
    if registration is None or registration.registration_id != claims.registration_id:
        return None
    return AgsClient(
        platform=AgsPlatform.of(registration),
        scopes=frozenset(scope),
        sign_assertion=KmsSigner(active_signing_key_id()).sign_jwt,
        retry=RetryPolicy(max_attempts=1),
        deadline=time.monotonic() + DEADLINE_SECONDS,
    )


def _positive_decimal(raw: object) -> Decimal | None:
    """``raw`` when it is a positive finite number; InvalidOperation when not a number."""
    if raw is None:
        return None
    value = Decimal(str(raw))
    return value if value.is_finite() and value > 0 else None
