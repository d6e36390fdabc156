"""The tool's side of an LTI Dynamic Registration 1.0 client registration (§3.5-3.6):
what the tool asks the platform's ``registration_endpoint`` for, and what it keeps of
the answer.

The request (OpenID Connect Dynamic Client Registration, with the LTI tool
configuration): the redirect URI, the JWKS URI and the login initiation URI; resource
link launches and, when the platform offers it, Deep Linking; the AGS and NRPS scopes
it offers; the claims the account rules read; the organization's student-ID custom
parameter. For Canvas also its privacy level (public: names and emails arrive) and
Deep Linking's placements (link and assignment selection).

The platform's ``registration_token`` (when it gave one: Brightspace does not) is sent
as the Bearer token, and only there. The answer must name a ``client_id``; its
``deployment_id`` (in the LTI tool configuration) may be absent — Canvas deploys the
tool after registering it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

from coursebridge.lti.platform_configuration import PlatformConfiguration
from coursebridge.lti.tool_description import (
    CANVAS_DEEP_LINKING_PLACEMENTS,
    CANVAS_PRIVACY_LEVEL,
    CLAIMS,
    DEEP_LINKING,
    DESCRIPTION,
    RESOURCE_LINK,
    SCOPES,
    TITLE,
    ToolUrls,
    custom_parameters,
)
from coursebridge.outbound import (
    REGISTRATION_LIMITS,
    OutboundRefused,
    OutboundSession,
    RedirectRefused,
)

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
MAX_ID = 256


class RegistrationFailed(Exception):
    """The platform did not register the tool, or answered with nothing we can keep."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    deployment_id: str | None


def _messages(config: PlatformConfiguration, tool: ToolUrls) -> list[dict[str, Any]]:
    """Deep Linking first: Canvas gives a message without placements the link selection
    placement and keeps the first message of each placement."""
    messages: list[dict[str, Any]] = []
    if config.supports_deep_linking:
        deep_linking: dict[str, Any] = {
            "type": DEEP_LINKING,
            "target_link_uri": tool.launch_url,
            "label": TITLE,
        }
        if config.is_canvas:
            deep_linking["placements"] = list(CANVAS_DEEP_LINKING_PLACEMENTS)
        messages.append(deep_linking)
    messages.append({"type": RESOURCE_LINK, "target_link_uri": tool.launch_url, "label": TITLE})
    return messages


def registration_request(
    config: PlatformConfiguration, tool: ToolUrls, student_id_field: str | None
) -> dict[str, Any]:
    """The body POSTed to the platform's registration endpoint."""
    lti: dict[str, Any] = {
        "domain": tool.domain,
        "description": DESCRIPTION,
        "target_link_uri": tool.launch_url,
        "claims": list(CLAIMS),
        "messages": _messages(config, tool),
    }
    custom = custom_parameters(student_id_field)
    if custom:
        lti["custom_parameters"] = custom
    if config.is_canvas:
        lti[CANVAS_PRIVACY_LEVEL] = "public"
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool.login_url,
        "redirect_uris": [tool.launch_url],
        "client_name": TITLE,
        "jwks_uri": tool.jwks_url,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(config.offered(SCOPES)),
        TOOL_CONFIGURATION: lti,
    }


def register_client(
    config: PlatformConfiguration,
    registration_token: str | None,
    body: dict[str, Any],
    session: OutboundSession | None = None,
) -> RegisteredClient:
    """POST ``body`` to the platform's registration endpoint; the client it made."""
    headers = {"content-type": "application/json", "accept": "application/json"}
    if registration_token:
        headers["authorization"] = f"Bearer {registration_token}"
    session = session or OutboundSession(REGISTRATION_LIMITS)
    try:
        response = session.post(
            config.registration_endpoint, data=json.dumps(body), headers=headers
        )
    except RedirectRefused as refused:
        raise RegistrationFailed(
            f"the LMS's registration endpoint answered with a redirect, which is not followed "
            f"({refused.reason})"
        ) from None
    except OutboundRefused as refused:
        raise RegistrationFailed(f"the LMS's registration endpoint: {refused}") from None
    except (requests.RequestException, OSError) as error:
        raise RegistrationFailed(
            f"the LMS's registration endpoint {config.registration_endpoint} could not be "
            f"reached ({type(error).__name__})"
        ) from None
    if response.status_code not in (200, 201):
        raise RegistrationFailed(
            f"the LMS refused the registration (HTTP {response.status_code}): "
            f"{_platform_message(response)}"
        )
    return parse_registration_answer(response)


def parse_registration_answer(response: requests.Response) -> RegisteredClient:
    try:
        answer = response.json()
    except ValueError:
        raise RegistrationFailed("the LMS's answer to the registration is not JSON") from None
    if not isinstance(answer, dict):
        raise RegistrationFailed("the LMS's answer to the registration is not a JSON object")
    client_id = _identifier(answer.get("client_id"))
    if client_id is None:
        raise RegistrationFailed("the LMS's answer to the registration has no client_id")
    lti = answer.get(TOOL_CONFIGURATION)
    deployment = _identifier(lti.get("deployment_id")) if isinstance(lti, dict) else None
    return RegisteredClient(client_id=client_id, deployment_id=deployment)


def _identifier(value: Any) -> str | None:
    """An id the platform gave: a non-blank string (or number) of at most 256 characters."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID:
        return None
    return value.strip()


def _platform_message(response: requests.Response) -> str:
    """The platform's own error text (OAuth ``error_description``/``error``), short."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        for name in ("error_description", "errorMessage", "error", "message"):
            if isinstance(answer.get(name), str):
                return answer[name][:300]
    return (response.text or "no explanation").strip()[:300]
