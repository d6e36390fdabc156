"""The platform side of LTI 1.3 (Core 1.3 §4-5, Security Framework 1.0 §5.1):
keys, the OIDC login initiation it sends, its auth endpoint's checks, id_tokens."""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from coursebridge.lti.claims import AGS_CLAIM, CLAIM, DL_SETTINGS_CLAIM

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
]


class PlatformKeys:
    """RSA keys with kids; the first is current. ``rotate()`` adds a new current key."""

    def __init__(self) -> None:
        self.keys: list[tuple[str, rsa.RSAPrivateKey]] = []
        self.rotate()

    def rotate(self) -> str:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        kid = f"demo-{uuid.uuid4().hex[:12]}"
        self.keys.insert(0, (kid, key))
        return kid

    @property
    def kid(self) -> str:
        return self.keys[0][0]

    def jwks(self) -> dict[str, list[dict]]:
        out = []
        for kid, key in self.keys:
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            out.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": out}

    def pem(self, index: int = 0) -> bytes:
        return self.keys[index][1].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        merged = {"kid": self.kid, **(headers or {})}
        return jwt.encode(claims, self.pem(), algorithm="RS256", headers=merged)


@dataclass(frozen=True)
class Person:
    key: str
    label: str
    sub: str | None
    roles: list[str]
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    mentees: list[str] = field(default_factory=list)


PEOPLE = {
    p.key: p
    for p in [
        Person(
            "teacher",
            "Teacher — Tess Taylor",
            "demo-teacher",
            [MEMBERSHIP + "Instructor", INSTITUTION + "Faculty"],
            "Tess Taylor",
            "Tess",
            "Taylor",
            "tess.taylor@demo.example",
        ),
        Person(
            "ta",
            "Teaching assistant — Tom Assist",
            "demo-ta",
            [MEMBERSHIP + "Instructor", MEMBERSHIP + "Instructor#TeachingAssistant"],
            "Tom Assist",
            "Tom",
            "Assist",
            "tom.assist@demo.example",
        ),
        Person(
            "mentor",
            "Mentor (of Sam) — Maria Mentor",
            "demo-mentor",
            [MEMBERSHIP + "Mentor"],
            "Maria Mentor",
            "Maria",
            "Mentor",
            "maria.mentor@demo.example",
            mentees=["demo-student"],
        ),
        Person(
            "student",
            "Student — Sam Student",
            "demo-student",
            [MEMBERSHIP + "Learner", INSTITUTION + "Student"],
            "Sam Student",
            "Sam",
            "Student",
            "sam.student@demo.example",
        ),
        Person(
            "anonymous",
            "Anonymous student (no name, no email)",
            "demo-anonymous-student",
            [MEMBERSHIP + "Learner"],
        ),
    ]
}

COURSE = {"id": "demo-course-101", "label": "BIO-101", "title": "Biology 101"}
# Next term's copy of the course (what Canvas and Brightspace make every term): new course
# and activity ids, and the copy history in the custom variables the tool asks for.
COPIED_COURSE = {
    "id": "demo-course-101-next",
    "label": "BIO-101",
    "title": "Biology 101 (next term)",
}
COURSES = {"bio": COURSE, "bio-next": COPIED_COURSE}
COPIED_FROM = {COPIED_COURSE["id"]: COURSE["id"]}
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
ACTIVITIES = {
    "cells": "Cell structure quiz",
    "photosynthesis": "Photosynthesis lab report",
}


class AuthRequestError(Exception):
    """The OIDC auth request is invalid; ``error`` is the OAuth error code."""

    def __init__(self, error: str, description: str, *, can_redirect: bool = True) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.can_redirect = can_redirect


def encode_hint(data: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def decode_hint(hint: str) -> dict[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(hint + "=" * (-len(hint) % 4)))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class DemoPlatform:
    base_url: str  # also the issuer
    tool_url: str
    client_id: str = "coursebridge-demo"
    deployment_id: str = "demo-deployment-1"
    keys: PlatformKeys = field(default_factory=PlatformKeys)
    # What the tool registered by Dynamic Registration (install()); None: the defaults.
    registered_login_url: str | None = None
    registered_launch_url: str | None = None
    redirect_uris: list[str] = field(default_factory=list)
    custom_parameters: dict[str, str] | None = None

    def install(self, client_id: str, deployment_id: str, tool: dict[str, Any]) -> None:
        """Launch the tool from now on as the client a Dynamic Registration created."""
        lti = tool.get("https://purl.imsglobal.org/spec/lti-tool-configuration", {})
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.registered_login_url = tool["initiate_login_uri"]
        self.registered_launch_url = lti["target_link_uri"]
        self.redirect_uris = list(tool["redirect_uris"])
        self.custom_parameters = dict(lti.get("custom_parameters") or {})

    # The Platform Notification Service claim of a launch (set when the demo LMS serves it).
    notice_claim: Callable[[str], dict[str, Any]] | None = None

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def auth_login_url(self) -> str:
        return f"{self.base_url}/auth"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/jwks"

    @property
    def tool_launch_url(self) -> str:
        return self.registered_launch_url or f"{self.tool_url}/lti/launch"

    @property
    def tool_login_url(self) -> str:
        return self.registered_login_url or f"{self.tool_url}/lti/login"

    @property
    def tool_jwks_url(self) -> str:
        return f"{self.tool_url}/.well-known/jwks.json"

    def login_initiation_url(
        self,
        person: str,
        activity: str,
        message_type: str,
        storage: bool = True,
        course: str = "bio",
    ) -> str:
        hint = {"activity": activity, "type": message_type, "course": course}
        params = {
            "iss": self.issuer,
            "login_hint": person,
            "target_link_uri": self.tool_launch_url,
            "lti_message_hint": encode_hint(hint),
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }
        if storage:
            params["lti_storage_target"] = "_parent"
        return f"{self.tool_login_url}?{urlencode(params)}"

    def authorize(self, params: dict[str, str]) -> tuple[str, str]:
        """Check an OIDC auth request (Security Framework §5.1.1.2); returns
        (redirect_uri, id_token) for the form_post back to the tool."""
        if params.get("client_id") != self.client_id:
            raise AuthRequestError("unauthorized_client", "unknown client_id", can_redirect=False)
        if params.get("redirect_uri") not in (self.redirect_uris or [self.tool_launch_url]):
            raise AuthRequestError(
                "invalid_request", "redirect_uri is not registered", can_redirect=False
            )
        expected = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
        }
        for name, value in expected.items():
            if params.get(name) != value:
                raise AuthRequestError("invalid_request", f"{name} must be {value!r}")
        if not params.get("nonce"):
            raise AuthRequestError("invalid_request", "nonce is required")
        person = PEOPLE.get(params.get("login_hint", ""))
        if person is None:
            raise AuthRequestError("login_required", "unknown login_hint")
        hint = decode_hint(params.get("lti_message_hint", ""))
        activity = hint.get("activity", "cells")
        message_type = hint.get("type", "LtiResourceLinkRequest")
        course = hint.get("course", "bio")
        claims = self.id_token_claims(
            person, activity, message_type, params["nonce"], course=course
        )
        return self.tool_launch_url, self.keys.sign(claims)

    def custom_claim(self, person: Person) -> dict[str, str]:
        """The custom parameters with their variables filled in (the demo's SIS id of a
        person is ``S-<key>``); without a registered set, ``student_id`` alone."""
        if self.custom_parameters is None:
            return {"student_id": f"S-{person.key}"}
        values = {"$Person.sourcedId": f"S-{person.key}"}
        return {name: values.get(value, value) for name, value in self.custom_parameters.items()}

    def id_token_claims(
        self,
        person: Person,
        activity: str,
        message_type: str,
        nonce: str,
        *,
        course: str = "bio",
    ) -> dict[str, Any]:
        now = int(time.time())
        context = COURSES.get(course, COURSE)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            CLAIM + "message_type": message_type,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": self.tool_launch_url,
            CLAIM + "roles": person.roles,
            CLAIM + "context": {
                **context,
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            },
            CLAIM + "tool_platform": {
                "guid": "demo-lms",
                "name": "coursebridge demo LMS",
                "product_family_code": "demo",
            },
            CLAIM + "launch_presentation": {
                "document_target": "iframe",
                "return_url": f"{self.base_url}/",
            },
            CLAIM + "custom": {**self.custom_claim(person), **copy_history(context, activity)},
            AGS_CLAIM: {
                "scope": AGS_SCOPES,
                "lineitems": f"{self.base_url}/ags/{context['id']}/lineitems",
            },
            NRPS_CLAIM: {
                "context_memberships_url": f"{self.base_url}/nrps/{context['id']}/memberships",
                "service_versions": ["2.0"],
            },
        }
        if self.notice_claim is not None:
            claims[CLAIM + "platformnotificationservice"] = self.notice_claim(self.deployment_id)
        if person.sub:
            claims["sub"] = person.sub
        for name in ("name", "given_name", "family_name", "email"):
            if getattr(person, name):
                claims[name] = getattr(person, name)
        if person.mentees:
            claims[CLAIM + "role_scope_mentor"] = person.mentees
        if message_type == "LtiDeepLinkingRequest":
            claims[DL_SETTINGS_CLAIM] = {
                "deep_link_return_url": f"{self.base_url}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": False,
                "auto_create": True,
                "title": "Add a coursebridge activity",
                "data": secrets.token_urlsafe(8),
            }
        else:
            claims[CLAIM + "resource_link"] = {
                "id": link_id(context, activity),
                "title": ACTIVITIES.get(activity, activity),
            }
        return claims


def link_id(context: dict[str, str], activity: str) -> str:
    """The resource link id of an activity in a course (a copy's activities have new ids)."""
    suffix = "-next" if context["id"] in COPIED_FROM else ""
    return f"demo-link-{activity}{suffix}"


def copy_history(context: dict[str, str], activity: str) -> dict[str, str]:
    """The custom values Canvas substitutes for $Context.id.history and
    $ResourceLink.id.history: empty in a course that is no copy."""
    origin = COPIED_FROM.get(context["id"])
    if origin is None:
        return {}
    return {
        "context_id_history": origin,
        "resource_link_id_history": f"demo-link-{activity}",
    }
