"""Platform notices (1EdTech LTI Platform Notification Service 1.0): signed JWTs an LMS
posts to the tool outside any launch. The one this tool uses is Canvas's
``LtiContextCopyNotice``: course content was copied into a new course, whose id it gives
(``context.id``) with the course it came from (``origin_contexts``).

A notice is checked like an id_token (``id_token.verify_id_token``: RS256 by a key of the
registered platform's JWKS, ``iss``/``aud``/``azp`` naming a registration, ``exp``/``iat``
with the leeway), then: LTI version 1.3.0, a ``notice`` claim with its type, and a
``deployment_id`` registered for that platform. It can only ever speak for the
registration that signed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursebridge.lti.claims import CLAIM
from coursebridge.lti.context_claims import CONTEXT_COPY, MAX_HISTORY, MAX_ID
from coursebridge.lti.errors import LaunchRejected
from coursebridge.lti.id_token import verify_id_token
from coursebridge.lti.jwks_cache import JwksCache

NOTICE_CLAIM = CLAIM + "notice"
ORIGIN_CONTEXTS = CLAIM + "origin_contexts"


@dataclass(frozen=True)
class CopyNotice:
    registration_id: str
    deployment_id: str
    context_id: str
    origins: list[str]  # the courses it was copied from, most recent first


def _origins(raw: object, context_id: str) -> list[str]:
    values = raw if isinstance(raw, list) else []
    origins = [v for v in values if isinstance(v, str) and v and len(v) <= MAX_ID]
    return [o for o in dict.fromkeys(origins) if o != context_id][:MAX_HISTORY]


def _notice_type(claims: dict, deployments: list[str]) -> tuple[str, str]:
    """(notice type, deployment id) of a verified notice."""
    if claims.get(CLAIM + "version") != "1.3.0":
        raise LaunchRejected("version", "the notice's LTI version must be 1.3.0")
    notice = claims.get(NOTICE_CLAIM)
    if not isinstance(notice, dict) or not isinstance(notice.get("type"), str):
        raise LaunchRejected("notice", "the JWT has no notice claim with a type")
    deployment_id = claims.get(CLAIM + "deployment_id")
    if not isinstance(deployment_id, str) or deployment_id not in deployments:
        raise LaunchRejected("deployment_id", "the notice's deployment is not registered")
    return notice["type"], deployment_id


def read_notice(token: str, jwks: JwksCache, leeway: int) -> CopyNotice | None:
    """A checked notice: a CopyNotice, or None for another notice type (accepted, unused).
    Raises LaunchRejected naming the failed check."""
    claims, registration = verify_id_token(token, jwks, leeway)
    notice_type, deployment_id = _notice_type(claims, registration.deployment_ids)
    if notice_type != CONTEXT_COPY:
        return None
    context = claims.get(CLAIM + "context")
    context_id = context.get("id") if isinstance(context, dict) else None
    if not isinstance(context_id, str) or not context_id or len(context_id) > MAX_ID:
        raise LaunchRejected("context", "the copy notice names no new course (context.id)")
    return CopyNotice(
        registration_id=registration.registration_id,
        deployment_id=deployment_id,
        context_id=context_id,
        origins=_origins(claims.get(ORIGIN_CONTEXTS), context_id),
    )
