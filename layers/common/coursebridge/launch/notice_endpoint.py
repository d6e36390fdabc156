"""HTTP shape of ``POST /lti/notices``: the Platform Notification Service handler.

The body is ``{"notices": [{"jwt": "…"}, …]}`` (Canvas sends them in batches). Each
notice is checked on its own (lti/notices.py); a copy notice is kept (store/copy_notices.py)
for the new course's first launch (classes/course_copy.py). The answer is 200 with the
counts when the body is well-formed, whatever each notice was (the platform does not
retry), 400 otherwise; refusals are logged and counted like launch rejections.
"""

from __future__ import annotations

import base64
import json

from aws_lambda_powertools import Logger

from coursebridge.launch.rejections import count
from coursebridge.lti.errors import LaunchRejected
from coursebridge.lti.jwks_cache import jwks_cache
from coursebridge.lti.notices import read_notice
from coursebridge.settings import get_settings
from coursebridge.store.copy_notices import CopyNoticeStore
from coursebridge.web.responses import json_error, json_response

logger = Logger(child=True)

MAX_NOTICES = 100
MAX_BODY_BYTES = 1024 * 1024


def _body(event: dict) -> bytes | None:
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
    raw = event.get("body") or ""
    if method != "POST" or len(raw) > MAX_BODY_BYTES * 2:
        return None
    try:
        return base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
    except ValueError:
        return None


def _parsed(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _listed(event: dict) -> list[object] | None:
    body = _body(event)
    parsed = _parsed(body) if body is not None and len(body) <= MAX_BODY_BYTES else None
    notices = parsed.get("notices") if isinstance(parsed, dict) else None
    return notices if isinstance(notices, list) and len(notices) <= MAX_NOTICES else None


def _notices(event: dict) -> list[str] | None:
    notices = _listed(event)
    if notices is None:
        return None
    tokens = [n.get("jwt") if isinstance(n, dict) else None for n in notices]
    valid = [t for t in tokens if isinstance(t, str)]
    return valid if len(valid) == len(notices) else None


def notice_endpoint(event: dict) -> dict:
    tokens = _notices(event)
    if tokens is None:
        return json_error(400, 'expected a POST of {"notices": [{"jwt": "…"}]} (at most 100)')
    accepted = kept = rejected = 0
    for token in tokens:
        try:
            notice = read_notice(token, jwks_cache, get_settings().lti_leeway_seconds)
        except LaunchRejected as error:
            rejected += 1
            logger.warning("notice rejected", extra={"reason": error.check})
            count("NoticeRejected", reason=error.check)
            continue
        accepted += 1
        if notice is not None and notice.origins:
            CopyNoticeStore().put(
                notice.registration_id, notice.deployment_id, notice.context_id, notice.origins
            )
            kept += 1
    logger.info("notices", extra={"accepted": accepted, "copies": kept, "rejected": rejected})
    return json_response(200, {"accepted": accepted, "copies": kept, "rejected": rejected})
