"""What a launch says about its course beyond the Core claims: where its roster is (Names
and Role Provisioning Services 2.0), which course or activity it was copied from, and
where the LMS takes notice handlers (Platform Notification Service 1.0).

Read from the raw id_token claims by ``to_launch_claims``; no network, no AWS: the launch
handler imports this at its cold start.

Copy history, most recent first, as the LMSs send it:

- Canvas (and Moodle, Sakai): the custom variables ``$Context.id.history`` and
  ``$ResourceLink.id.history``, substituted into the custom parameters the tool's
  configuration declares (``CONTEXT_HISTORY_PARAMS`` / ``LINK_HISTORY_PARAMS``): a
  comma-separated list of the earlier ids. An LMS that does not know a variable sends it
  back unsubstituted (``$Context.id.history``), which is no history.
- Brightspace (D2L): the same two values in its own claim ``http://www.brightspace.com``
  (``Context.id.history``, ``ResourceLink.id.history``), and as
  ``ext_d2l_resource_link_id_history`` / ``ext_d2l_context_id_history`` custom values.
"""

from __future__ import annotations

from typing import Any

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
PNS_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/platformnotificationservice"
CONTEXT_COPY = "LtiContextCopyNotice"
BRIGHTSPACE_CLAIM = "http://www.brightspace.com"

# The custom parameter names a tool configuration gives the two history variables (the
# first of each is what coursebridge's own configurations declare).
CONTEXT_HISTORY_PARAMS = ("context_id_history", "context_history", "ext_d2l_context_id_history")
LINK_HISTORY_PARAMS = (
    "resource_link_id_history",
    "resourcelink_id_history",
    "resource_link_history",
    "ext_d2l_resource_link_id_history",
)
CONTEXT_HISTORY_VARIABLE = "$Context.id.history"
LINK_HISTORY_VARIABLE = "$ResourceLink.id.history"
_BRIGHTSPACE_KEYS = {"context": "Context.id.history", "link": "ResourceLink.id.history"}

MAX_HISTORY = 5  # the variables carry "the most recent five values"
MAX_ID = 255  # the LTI limit for context and resource link ids
MAX_URL = 2048


def memberships_url(claims: dict[str, Any]) -> str | None:
    """The launch's ``context_memberships_url``, when it offers the membership service."""
    service = claims.get(NRPS_CLAIM)
    if not isinstance(service, dict):
        return None
    url = service.get("context_memberships_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    return url if len(url) <= MAX_URL else None


def notice_service_url(claims: dict[str, Any]) -> str | None:
    """The Platform Notification Service URL, when the launch offers copy notices."""
    service = claims.get(PNS_CLAIM)
    if not isinstance(service, dict):
        return None
    types = service.get("notice_types_supported")
    url = service.get("platform_notification_service_url")
    if not isinstance(types, list) or CONTEXT_COPY not in types or not isinstance(url, str):
        return None
    return url if url.startswith(("https://", "http://")) and len(url) <= MAX_URL else None


def parse_history(raw: object, own_id: str | None) -> list[str]:
    """A history value → the earlier ids, most recent first, each once, without the
    launch's own id; an unsubstituted variable or anything that is not text → []."""
    found: list[str] = []
    for part in _parts(raw):
        value = part.strip()
        if value and len(value) <= MAX_ID and value != own_id and value not in found:
            found.append(value)
    return found[:MAX_HISTORY]


def _parts(raw: object) -> list[str]:
    if isinstance(raw, list):
        return [p for p in raw if isinstance(p, str)]
    if isinstance(raw, str) and not raw.strip().startswith("$"):
        return raw.split(",")
    return []


def _first_history(sources: list[object], own_id: str | None) -> list[str]:
    for raw in sources:
        history = parse_history(raw, own_id)
        if history:
            return history
    return []


def context_history(
    claims: dict[str, Any], custom: dict[str, Any], own_id: str | None
) -> list[str]:
    """The courses this launch's course was copied from (most recent first)."""
    brightspace = claims.get(BRIGHTSPACE_CLAIM)
    extra = brightspace.get(_BRIGHTSPACE_KEYS["context"]) if isinstance(brightspace, dict) else None
    return _first_history([*(custom.get(p) for p in CONTEXT_HISTORY_PARAMS), extra], own_id)


def link_history(claims: dict[str, Any], custom: dict[str, Any], own_id: str | None) -> list[str]:
    """The activities this launch's activity was copied from (most recent first)."""
    brightspace = claims.get(BRIGHTSPACE_CLAIM)
    extra = brightspace.get(_BRIGHTSPACE_KEYS["link"]) if isinstance(brightspace, dict) else None
    return _first_history([*(custom.get(p) for p in LINK_HISTORY_PARAMS), extra], own_id)
