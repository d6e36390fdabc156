"""Outbound HTTP to platforms: which URLs (policy), and how they are fetched (session)."""

from coursebridge.outbound.policy import (
    HostDoesNotResolve,
    OutboundPolicy,
    OutboundRefused,
    UrlNotAllowed,
    address_category,
    outbound_policy,
)
from coursebridge.outbound.session import (
    AGS_LIMITS,
    JWKS_LIMITS,
    REGISTRATION_LIMITS,
    TOKEN_LIMITS,
    USER_AGENT,
    DeadlineExceeded,
    Limits,
    OutboundSession,
    RedirectRefused,
    ResponseTooLarge,
)

__all__ = [
    "AGS_LIMITS",
    "JWKS_LIMITS",
    "REGISTRATION_LIMITS",
    "TOKEN_LIMITS",
    "USER_AGENT",
    "DeadlineExceeded",
    "HostDoesNotResolve",
    "Limits",
    "OutboundPolicy",
    "OutboundRefused",
    "OutboundSession",
    "RedirectRefused",
    "ResponseTooLarge",
    "UrlNotAllowed",
    "address_category",
    "outbound_policy",
]
