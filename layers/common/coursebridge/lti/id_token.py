"""id_token checks (LTI Core 1.3 §5, Security Framework 1.0 §5.1.3), all ours.

pylti1p3 leaves gaps (``alg`` pinning, leeway, ``azp`` with several audiences,
target_link_uri on our domain, JWKS refetch on rotation); every check lives here,
runs in the spec's order, and raises ``LaunchRejected(check, message)`` naming the
failed check. PyJWT only verifies the RS256 signature (and, its own rule, that a
``jti`` is a string).
"""

from __future__ import annotations

import time
from typing import Any

import jwt

from coursebridge.lti.claims import CLAIM
from coursebridge.lti.errors import LaunchRejected
from coursebridge.lti.jwks_cache import JwksCache
from coursebridge.lti.platform_origins import return_url_problem
from coursebridge.lti.request import MAX_TOKEN_LENGTH as MAX_TOKEN_LENGTH  # checked here
from coursebridge.lti.tool_config import find_registration, registrations_for
from coursebridge.store.platforms import PlatformRegistration

MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")


def _audiences(claims: dict) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str) and aud:
        return [aud]
    if isinstance(aud, list) and aud and all(isinstance(a, str) and a for a in aud):
        return aud
    raise LaunchRejected("aud", "the id_token has no valid aud (audience) claim")


def _registration(claims: dict) -> PlatformRegistration:
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise LaunchRejected("iss", "the id_token has no iss (issuer) claim")
    if not registrations_for(issuer):
        raise LaunchRejected("iss", f"the issuer {issuer!r} is not a registered platform")
    audiences = _audiences(claims)
    azp = claims.get("azp")
    if len(audiences) > 1:
        if not isinstance(azp, str) or azp not in audiences:
            raise LaunchRejected(
                "azp", "aud has several values, so azp must be present and one of them"
            )
        client_id = azp
    else:
        client_id = audiences[0]
    registration = find_registration(issuer, client_id)
    if registration is None:
        raise LaunchRejected(
            "aud", f"the audience {client_id!r} is not a client_id registered for this issuer"
        )
    if azp is not None and azp != client_id:
        raise LaunchRejected("azp", "azp is not our client_id")
    return registration


def _check_times(claims: dict, leeway: int, now: float) -> None:
    for name in ("exp", "iat"):
        if not isinstance(claims.get(name), int | float) or isinstance(claims.get(name), bool):
            raise LaunchRejected(name, f"the id_token has no numeric {name} claim")
    if claims["exp"] + leeway < now:
        raise LaunchRejected("exp", "the id_token has expired")
    if claims["iat"] - leeway > now:
        raise LaunchRejected("iat", "the id_token was issued in the future (iat)")
    nbf = claims.get("nbf")
    if nbf is not None and (not isinstance(nbf, int | float) or nbf - leeway > now):
        raise LaunchRejected("nbf", "the id_token is not valid yet (nbf)")


def verify_id_token(
    token: str, jwks: JwksCache, leeway: int, now: float | None = None
) -> tuple[dict[str, Any], PlatformRegistration]:
    """Signature, issuer, audience, azp and times. Returns (claims, registration)."""
    if not token:
        raise LaunchRejected("id_token", "the launch has no id_token")
    if len(token) > MAX_TOKEN_LENGTH:
        raise LaunchRejected("id_token", "the id_token is too large")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise LaunchRejected("id_token", "the id_token is not a well-formed JWT") from None
    if header.get("alg") != "RS256":
        raise LaunchRejected("alg", f"the id_token must be signed RS256, not {header.get('alg')!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise LaunchRejected("kid", "the id_token header has no kid")
    registration = _registration(unverified)
    key = jwks.key_for(str(registration.jwks_url), kid)
    try:
        claims = jwt.decode(
            token,
            key,  # type: ignore[arg-type]
            algorithms=["RS256"],
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "verify_iss": False,
                "verify_sub": False,  # ours, in _check_user: the rejection names "sub"
            },
        )
    except jwt.InvalidSignatureError:
        raise LaunchRejected(
            "signature", "the id_token signature does not verify with the platform's key"
        ) from None
    except jwt.PyJWTError:
        raise LaunchRejected("id_token", "the id_token could not be verified") from None
    _check_times(claims, leeway, time.time() if now is None else now)
    return claims, registration


def _require(claims: dict, name: str, kind: type | tuple = str) -> Any:
    value = claims.get(CLAIM + name)
    if value is None or (isinstance(value, str) and not value) or not isinstance(value, kind):
        raise LaunchRejected(name, f"the id_token has no valid {name} claim")
    return value


def check_lti_claims(claims: dict, registration: PlatformRegistration, is_own_url: Any) -> None:
    """The LTI claims: version, message type, deployment, target link, roles, user, link."""
    if not isinstance(claims.get("nonce"), str) or not claims["nonce"]:
        raise LaunchRejected("nonce", "the id_token has no nonce")
    message_type = _message_type(claims)
    _check_deployment(claims, registration)
    target = _require(claims, "target_link_uri")
    if not is_own_url(target):
        raise LaunchRejected("target_link_uri", "target_link_uri does not point at this tool")
    roles = claims.get(CLAIM + "roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise LaunchRejected("roles", "the id_token has no roles claim (a list)")
    _check_user(claims)
    if message_type == "LtiResourceLinkRequest":
        _check_resource_link(claims)
    else:
        _check_deep_linking(claims, registration)


def _message_type(claims: dict) -> str:
    """The version (1.3.0) and the message type (one this tool handles)."""
    version = claims.get(CLAIM + "version")
    if version != "1.3.0":
        raise LaunchRejected("version", f"the LTI version must be 1.3.0, not {version!r}")
    message_type = claims.get(CLAIM + "message_type")
    if not message_type:
        raise LaunchRejected("message_type", "the id_token has no message_type claim")
    if message_type not in MESSAGE_TYPES:
        raise LaunchRejected("message_type", f"unsupported message_type {message_type!r}")
    return str(message_type)


def _check_deployment(claims: dict, registration: PlatformRegistration) -> None:
    deployment_id = _require(claims, "deployment_id")
    if not registration.accepts_deployment(deployment_id):
        raise LaunchRejected(
            "deployment_id", f"deployment {deployment_id!r} is not registered for this platform"
        )


def _check_resource_link(claims: dict) -> None:
    link = claims.get(CLAIM + "resource_link")
    if not isinstance(link, dict) or not isinstance(link.get("id"), str) or not link["id"]:
        raise LaunchRejected("resource_link.id", "the id_token has no resource_link.id")


def _check_deep_linking(claims: dict, registration: PlatformRegistration) -> None:
    """A deep-linking request names a return URL on the platform's own origin."""
    settings = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings")
    if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
        raise LaunchRejected("deep_linking_settings", "the id_token has no deep_link_return_url")
    problem = return_url_problem(str(settings["deep_link_return_url"]), registration)
    if problem:
        raise LaunchRejected("deep_link_return_url", problem)


PERSONAL_CLAIMS = ("name", "given_name", "family_name", "email")


def _check_user(claims: dict) -> None:
    """``sub`` is required unless the launch is anonymous (LTI Core §5.3.6): no
    ``sub`` *and* no personal claim. A token naming a person without ``sub`` is bad."""
    sub = claims.get("sub")
    if sub is None and not any(claims.get(c) for c in PERSONAL_CLAIMS):
        return
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise LaunchRejected("sub", "the id_token has no valid sub (user id) claim")
