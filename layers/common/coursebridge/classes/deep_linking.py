"""Deep Linking 2.0 responses: the teacher's chosen units → a signed LtiDeepLinkingResponse.

The JWT is signed by the tool's KMS key (``iss`` = our client_id, ``aud`` = the
platform issuer, the request's ``deployment_id`` and ``data`` echoed — ``data`` exactly
as the platform sent it, whatever JSON it is — a fresh nonce) and posted by the browser
to ``deep_link_return_url`` (LTI Deep Linking 2.0 §4.2). Each unit becomes an
``ltiResourceLink`` whose custom parameter ``unit_id`` maps the new LMS activity to the
unit on its first launch, with a ``lineItem`` (scoreMaximum, label, resourceId = the
unit, tag) when graded, so that Blackboard and D2L create a gradable column for it.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any, Protocol

from coursebridge.lti.ags_messages import LINE_ITEM_TAG
from coursebridge.lti.claims import UNIT_ID_PARAM
from coursebridge.lti.platform_origins import return_url_problem
from coursebridge.lti.tool_config import find_registration
from coursebridge.store.classes import UnitRecord
from coursebridge.store.deep_links import PendingDeepLink

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RESOURCE_LINK = "ltiResourceLink"
RESPONSE_LIFETIME_SECONDS = 300


class DeepLinkRefused(Exception):
    """The request cannot be answered as asked (the message says why)."""


class JwtSigner(Protocol):
    def sign_jwt(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str: ...


def accepts_resource_links(pending: PendingDeepLink) -> bool:
    types = pending.settings.accept_types
    return not types or RESOURCE_LINK in types


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral() else float(value)


def content_item(unit: UnitRecord, launch_url: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": RESOURCE_LINK,
        "title": unit.title,
        "url": launch_url,
        "custom": {UNIT_ID_PARAM: unit.unit_id},
    }
    if unit.max_score is not None:
        item["lineItem"] = {
            "scoreMaximum": _number(unit.max_score),
            "label": unit.title,
            "resourceId": unit.unit_id,
            "tag": LINE_ITEM_TAG,
        }
    return item


def response_claims(pending: PendingDeepLink, units: list[UnitRecord]) -> dict[str, Any]:
    if not accepts_resource_links(pending):
        raise DeepLinkRefused("this LMS does not accept LTI resource links here")
    if len(units) > 1 and not pending.settings.accept_multiple:
        raise DeepLinkRefused("this LMS accepts only one item: choose one unit")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": pending.client_id,
        "aud": pending.issuer,
        "iat": now,
        "exp": now + RESPONSE_LIFETIME_SECONDS,
        "nonce": uuid.uuid4().hex,
        f"{LTI}message_type": "LtiDeepLinkingResponse",
        f"{LTI}version": "1.3.0",
        f"{LTI}deployment_id": pending.deployment_id,
        f"{DL}content_items": [content_item(u, pending.target_link_uri) for u in units],
    }
    if pending.settings.has_data:
        claims[f"{DL}data"] = pending.settings.data
    if units:
        claims[f"{DL}msg"] = "Added " + ", ".join(u.title for u in units)
    return claims


def check_return_url(pending: PendingDeepLink) -> None:
    """The launch refused a bad ``deep_link_return_url``; a request stored before that
    rule (or for a registration changed since) is checked again before the browser is
    sent there."""
    registration = find_registration(pending.issuer, pending.client_id)
    problem = return_url_problem(pending.settings.deep_link_return_url, registration)
    if problem:
        raise DeepLinkRefused(problem)


def signed_response(pending: PendingDeepLink, units: list[UnitRecord], signer: JwtSigner) -> str:
    check_return_url(pending)
    return signer.sign_jwt(response_claims(pending, units))
