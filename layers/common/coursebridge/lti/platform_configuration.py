"""A platform's OpenID configuration, fetched and checked (1EdTech LTI Dynamic
Registration 1.0 §3.4-3.5; OpenID Connect Discovery 1.0).

The LMS opens our registration URL with ``openid_configuration``, the URL of a JSON
document naming its endpoints. Whoever opens the URL chooses that URL, so it is
fetched like every other platform URL (outbound/: https to public addresses only,
no redirect, 10 s, 256 KB) and nothing in it is trusted until it passes here:

- ``issuer`` is an https URL (http to loopback only in the local stack) without query
  or fragment, whose origin is the configuration URL's own origin: a document served
  by one host cannot speak for another platform's issuer (the issuer may carry a path,
  as a Moodle site in a subdirectory does);
- ``authorization_endpoint``, ``token_endpoint``, ``jwks_uri`` and
  ``registration_endpoint`` are URLs the tool may fetch (outbound policy);
- RS256 and ``private_key_jwt`` are among what it supports, when it lists them;
- ``https://purl.imsglobal.org/spec/lti-platform-configuration`` names the product
  (``product_family_code``) and the messages it supports, resource link launches
  among them.

Each failure is a ``ConfigurationRefused`` naming the field, with a message for the LMS
admin who opened the page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from pydantic import Field

from coursebridge.lti.tool_description import CANVAS, DEEP_LINKING, RESOURCE_LINK
from coursebridge.model import Model
from coursebridge.outbound import (
    REGISTRATION_LIMITS,
    DeadlineExceeded,
    OutboundRefused,
    OutboundSession,
    RedirectRefused,
    ResponseTooLarge,
    UrlNotAllowed,
    outbound_policy,
)

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
_LEGACY_MESSAGES = {"LtiResourceLink": RESOURCE_LINK}  # Moodle 3.10 listed bare names


class ConfigurationRefused(Exception):
    """The platform's configuration cannot be used: ``check`` names what, ``message`` why."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check
        self.message = message


class PlatformConfiguration(Model):
    configuration_url: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    product_family_code: str
    version: str = ""
    messages: list[str] = Field(default_factory=list)  # message types supported
    placements: dict[str, list[str]] = Field(default_factory=dict)  # per message type
    scopes_supported: list[str] | None = None
    claims_supported: list[str] | None = None
    variables: list[str] | None = None

    @property
    def is_canvas(self) -> bool:
        return (
            self.product_family_code.lower() == "canvas" or urlsplit(self.issuer).hostname == CANVAS
        )

    @property
    def lms_name(self) -> str:
        return f"{self.product_family_code} {self.version}".strip()

    @property
    def supports_deep_linking(self) -> bool:
        return DEEP_LINKING in self.messages

    def offered(self, scopes: tuple[str, ...]) -> list[str]:
        """The ``scopes`` this platform offers (all of them when it lists none)."""
        if self.scopes_supported is None:
            return list(scopes)
        return [scope for scope in scopes if scope in self.scopes_supported]


def fetch_platform_configuration(
    url: str, session: OutboundSession | None = None
) -> PlatformConfiguration:
    """GET and check the configuration at ``url`` (``ConfigurationRefused``)."""
    _fetchable("openid_configuration", url)
    session = session or OutboundSession(REGISTRATION_LIMITS)
    try:
        response = session.get(url, headers={"accept": "application/json"})
    except RedirectRefused as refused:
        raise ConfigurationRefused(
            "openid_configuration",
            f"the LMS answered with a redirect, which is not followed "
            f"({refused.reason}); give the configuration's own URL",
        ) from None
    except (ResponseTooLarge, DeadlineExceeded, UrlNotAllowed) as refused:
        raise ConfigurationRefused("openid_configuration", str(refused)) from None
    except (OutboundRefused, requests.RequestException, OSError) as error:
        raise ConfigurationRefused(
            "openid_configuration",
            f"the LMS could not be reached at {url} ({type(error).__name__})",
        ) from None
    if response.status_code != 200:
        raise ConfigurationRefused(
            "openid_configuration", f"the LMS answered HTTP {response.status_code} at {url}"
        )
    try:
        document = response.json()
    except ValueError:
        raise ConfigurationRefused(
            "openid_configuration", f"the LMS's answer at {url} is not JSON"
        ) from None
    config = parse_platform_configuration(url, document)
    for name in ENDPOINTS:  # the hosts resolve only to public addresses (when they resolve)
        try:
            outbound_policy().check_resolved(getattr(config, name))
        except UrlNotAllowed as refused:
            raise ConfigurationRefused(name, str(refused)) from None
    return config


def parse_platform_configuration(url: str, document: Any) -> PlatformConfiguration:
    """The checked configuration in ``document``, fetched from ``url`` (no DNS here)."""
    if not isinstance(document, dict):
        raise ConfigurationRefused("openid_configuration", "the configuration is not a JSON object")
    issuer = _text(document, "issuer")
    _check_issuer(issuer, url)
    endpoints = {name: _text(document, name) for name in ENDPOINTS}
    for name, value in endpoints.items():
        _fetchable(name, value)
    _requires(document, "id_token_signing_alg_values_supported", "RS256")
    _requires(document, "token_endpoint_auth_methods_supported", "private_key_jwt")
    lti = document.get(PLATFORM_CONFIGURATION)
    if not isinstance(lti, dict):
        raise ConfigurationRefused(
            PLATFORM_CONFIGURATION, "missing: the LMS does not describe itself as an LTI platform"
        )
    messages, placements = _messages(lti.get("messages_supported"))
    version = lti.get("version")
    return PlatformConfiguration(
        configuration_url=url,
        issuer=issuer,
        **endpoints,
        product_family_code=_text(lti, "product_family_code", where=PLATFORM_CONFIGURATION),
        version=version if isinstance(version, str) else "",
        messages=messages,
        placements=placements,
        scopes_supported=_strings(document.get("scopes_supported")),
        claims_supported=_strings(document.get("claims_supported")),
        variables=_strings(lti.get("variables")),
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default


def _check_issuer(issuer: str, url: str) -> None:
    parts = urlsplit(issuer)
    if parts.query or parts.fragment:
        raise ConfigurationRefused("issuer", f"{issuer} must not have a query or fragment")
    _fetchable("issuer", issuer)
    if _origin(issuer) != _origin(url):
        raise ConfigurationRefused(
            "issuer",
            f"the issuer {issuer} is not on the host that served the configuration ({url}): "
            "a platform's configuration must come from its issuer's own origin",
        )


def _fetchable(name: str, url: str) -> None:
    try:
        outbound_policy().check_url(url)
    except UrlNotAllowed as refused:
        raise ConfigurationRefused(name, refused.reason + f": {url}") from None


def _text(document: dict, name: str, *, where: str = "") -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > 2048:
        field = f"{where} {name}".strip()
        raise ConfigurationRefused(name, f"{field} is missing from the LMS's configuration")
    return value.strip()


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [item for item in value if isinstance(item, str)]


def _requires(document: dict, name: str, needed: str) -> None:
    listed = _strings(document.get(name))
    if listed is not None and needed not in listed:
        raise ConfigurationRefused(name, f"the LMS does not support {needed}, which LTI 1.3 needs")


def _messages(value: Any) -> tuple[list[str], dict[str, list[str]]]:
    """Message types (and their placements) from ``messages_supported``: objects with a
    ``type``, or bare names as older Moodles list them."""
    if not isinstance(value, list):
        raise ConfigurationRefused(
            "messages_supported", "the LMS does not list the LTI messages it supports"
        )
    messages: list[str] = []
    placements: dict[str, list[str]] = {}
    for entry in value:
        kind = entry.get("type") if isinstance(entry, dict) else entry
        if not isinstance(kind, str):
            continue
        kind = _LEGACY_MESSAGES.get(kind, kind)
        messages.append(kind)
        if isinstance(entry, dict):
            placements[kind] = _strings(entry.get("placements")) or []
    if RESOURCE_LINK not in messages:
        raise ConfigurationRefused(
            "messages_supported", f"the LMS does not support {RESOURCE_LINK} (launching a tool)"
        )
    return list(dict.fromkeys(messages)), placements
