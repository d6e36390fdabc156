"""Who may show our pages in a frame (CSP ``frame-ancestors``).

The pages a person reaches from inside their LMS — the launch's landing pages under
``/app/classes/`` (unit views, the Deep Linking picker and its answer, re-map
results, their error pages), the LTI login/launch pages (platform storage, outcomes,
rejections) — may be framed by the LMSs of the organization they belong to: the
origins of its registrations' issuers and auth login URLs (lti/platform_origins.py).
Every other page (the verification page opened from an email, pages without a
session) may be framed by our own origin only. ``X-Frame-Options`` is not sent: it
cannot name several origins, and every browser we support reads frame-ancestors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from coursebridge.lti.platform_origins import platform_origins
from coursebridge.lti.tool_config import find_registration, registrations_of_org
from coursebridge.sessions import decode_session, session_from_event
from coursebridge.web.csp import JSON_POLICY, SELF, page_policy, with_frame_ancestors

if TYPE_CHECKING:  # the LTI handlers use the origins alone, without Powertools' resolver
    from aws_lambda_powertools.event_handler import Response

LMS_PAGES = ("/app/classes/",)
_MAX_FORM_BYTES = 64 * 1024


def org_frame_ancestors(org_id: str | None) -> tuple[str, ...]:
    """The registered LMS origins of ``org_id`` (our own origin when it has none)."""
    if not org_id:
        return (SELF,)
    origins = [o for r in registrations_of_org(org_id) for o in platform_origins(r)]
    return tuple(dict.fromkeys(origins)) or (SELF,)


def platform_frame_ancestors(issuer: str | None, client_id: str | None) -> tuple[str, ...]:
    """For an LTI request naming a platform: the LMS origins of the org that registered it."""
    registration = find_registration(issuer, client_id) if issuer else None
    return org_frame_ancestors(registration.org_id if registration else None)


def _session_org(event: dict) -> str | None:
    session = session_from_event(event)
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method")
    if session is None and method == "POST":  # a form carries the session in a field
        from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

        body = APIGatewayProxyEventV2(event).decoded_body or ""
        token = parse_qs(body[:_MAX_FORM_BYTES]).get("cb_session", [""])[0]
        session = decode_session(token) if token else None
    return session.org_id if session else None


def page_frame_ancestors(event: dict) -> tuple[str, ...]:
    if not str(event.get("rawPath", "")).startswith(LMS_PAGES):
        return (SELF,)
    return org_frame_ancestors(_session_org(event))


def secured_for_request(response: Response, event: dict) -> Response:
    """``response`` with the CSP its request calls for: a page gets its own policy
    (when its route built the response by hand) and the frame-ancestors of the request;
    anything else (JSON, CSV) the policy that loads and frames nothing."""
    headers = response.headers
    policy = headers.get("content-security-policy")
    if "text/html" not in str(headers.get("Content-Type", "")):
        headers.setdefault("content-security-policy", JSON_POLICY)
        return response
    if not isinstance(policy, str):
        body = response.body if isinstance(response.body, str) else ""
        policy = page_policy(body)
    headers["content-security-policy"] = with_frame_ancestors(policy, page_frame_ancestors(event))
    return response
