"""The tool's LTI 1.3 JSON configuration for Canvas (Developer Keys → LTI Key → "Enter URL").

Canvas reads it to fill in a developer key: the OIDC initiation URL, the target link
URI, the public JWK URL, the scopes, the placements (link selection and assignment
selection both start Deep Linking, so a teacher picks a unit when adding the activity),
the privacy level (public: name and email arrive with every launch) and the custom
fields (the organization's student-ID claim, when it has one). The admin still gives
the developer key's client id and the deployment id to ``coursebridge platform add``
(or the Admin Portal): Dynamic Registration is the install that needs no ids.
"""

from __future__ import annotations

from typing import Any

from coursebridge.lti.tool_description import (
    CANVAS,
    CANVAS_DEEP_LINKING_PLACEMENTS,
    DEEP_LINKING,
    DESCRIPTION,
    SCOPES,
    TITLE,
    ToolUrls,
    custom_parameters,
)


def canvas_configuration(tool: ToolUrls, student_id_field: str | None) -> dict[str, Any]:
    placements = [
        {
            "placement": placement,
            "message_type": DEEP_LINKING,
            "target_link_uri": tool.launch_url,
            "text": TITLE,
        }
        for placement in CANVAS_DEEP_LINKING_PLACEMENTS
    ]
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "oidc_initiation_url": tool.login_url,
        "target_link_uri": tool.launch_url,
        "redirect_uris": [tool.launch_url],
        "public_jwk_url": tool.jwks_url,
        "scopes": list(SCOPES),
        "privacy_level": "public",
        "custom_fields": custom_parameters(student_id_field),
        "extensions": [
            {
                "platform": CANVAS,
                "domain": tool.domain,
                "tool_id": TITLE,
                "privacy_level": "public",
                "settings": {"text": TITLE, "platform": CANVAS, "placements": placements},
            }
        ],
    }
