"""HTTP shape of ``GET /lti/canvas.json[?org=ORG]``: the tool's LTI 1.3 configuration for
Canvas (lti/canvas_config.py).

Per organization because the custom fields carry the organization's student-ID claim:
``?org=ORG`` adds it (an unknown organization is a 404); without ``org`` the
configuration has no custom fields. It names nothing secret — URLs, scopes, a claim's
name — so it needs no sign-in, and it reads one cached org item (lti/tool_config.py).
"""

from __future__ import annotations

from coursebridge.lti.canvas_config import canvas_configuration
from coursebridge.lti.request import ApiGatewayRequest
from coursebridge.lti.tool_config import org_for
from coursebridge.lti.tool_description import ToolUrls
from coursebridge.web.responses import json_error, json_response

MAX_ORG_ID = 64


def canvas_config_endpoint(event: dict) -> dict:
    request = ApiGatewayRequest(event)
    org_id = request.get_param("org").strip()
    student_id_field = None
    if org_id:
        org = org_for(org_id) if len(org_id) <= MAX_ORG_ID else None
        if org is None:
            return json_error(404, f"unknown organization {org_id[:MAX_ORG_ID]!r}")
        student_id_field = org.student_id_field
    return json_response(200, canvas_configuration(ToolUrls(request.base_url), student_id_field))
