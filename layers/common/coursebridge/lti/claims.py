"""The claims of a *validated* LTI 1.3 launch, normalised for the rest of the product.

The launch validator (lti/launch.py) is the only producer; account resolution,
class/unit mapping, deep linking and grade release consume this model and never
look at the raw id_token.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from coursebridge.model import Model
from coursebridge.store.deep_links import DeepLinkingSettings

__all__ = ["AgsEndpoint", "DeepLinkingSettings", "LaunchClaims", "MessageType"]

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL_SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

MessageType = Literal["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]


class AgsEndpoint(Model):
    """The Assignment and Grade Services claim of the launch."""

    scope: list[str] = Field(default_factory=list)
    lineitems: str | None = None  # line items container URL of the context
    lineitem: str | None = None  # the line item of this resource link, when the LMS made one


UNIT_ID_PARAM = "unit_id"  # the custom parameter our Deep Linking response puts on a link


class LaunchClaims(Model):
    launch_id: str  # our id for this launch (audit, logs); not from the token
    issuer: str
    client_id: str
    registration_id: str  # the registration that signed the launch: the tenant boundary
    deployment_id: str
    message_type: MessageType
    target_link_uri: str
    sub: str | None = None  # absent only for anonymous launches
    email: str | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    roles: list[str] = Field(default_factory=list)
    role_scope_mentor: list[str] = Field(default_factory=list)
    context_id: str | None = None
    context_title: str | None = None
    context_label: str | None = None
    resource_link_id: str | None = None
    resource_link_title: str | None = None
    custom: dict[str, Any] = Field(default_factory=dict)
    platform_family: str | None = None  # tool_platform.product_family_code (canvas, moodle…)
    ags: AgsEndpoint | None = None
    deep_linking: DeepLinkingSettings | None = None
    # The course's roster (NRPS) and what the course and activity were copied from
    # (lti/context_claims.py), most recent first.
    memberships_url: str | None = None
    context_history: list[str] = Field(default_factory=list)
    link_history: list[str] = Field(default_factory=list)
    notice_service_url: str | None = None  # where the LMS takes copy notice handlers
