"""Platform public keys, cached per container across invocations.

A ``kid`` missing from the cache triggers one refetch of the platform's JWKS (it
rotated its keys); refetches of one JWKS URL are rate-limited to one per
``REFETCH_INTERVAL_SECONDS``, so a flood of tokens with made-up ``kid`` values
cannot make us hammer the platform. Keys are kept for ``MAX_AGE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import requests
from jwt.algorithms import RSAAlgorithm

from coursebridge.lti.errors import LaunchRejected
from coursebridge.outbound import JWKS_LIMITS, OutboundRefused, OutboundSession

REFETCH_INTERVAL_SECONDS = 5.0
MAX_AGE_SECONDS = 24 * 3600.0


@dataclass
class _Entry:
    keys: dict[str, object] = field(default_factory=dict)
    fetched_at: float = float("-inf")


class JwksCache:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._http: OutboundSession | None = None
        self.fetches = 0  # observable: how many HTTP fetches this container made

    def key_for(self, jwks_url: str, kid: str) -> object:
        """The platform's public key ``kid``; raises LaunchRejected("kid") if unknown."""
        with self._lock:
            entry = self._entries.setdefault(jwks_url, _Entry())
            now = time.monotonic()
            stale = now - entry.fetched_at > MAX_AGE_SECONDS
            if kid in entry.keys and not stale:
                return entry.keys[kid]
            if stale or now - entry.fetched_at >= REFETCH_INTERVAL_SECONDS:
                entry.fetched_at = now  # failures count too: the rate limit holds
                entry.keys = self._fetch(jwks_url)
        if kid in entry.keys:
            return entry.keys[kid]
        raise LaunchRejected(
            "kid", f"the id_token was signed with key {kid!r}, which the platform does not publish"
        )

    def _fetch(self, jwks_url: str) -> dict[str, object]:
        self.fetches += 1
        self._http = self._http or OutboundSession(JWKS_LIMITS)
        try:
            response = self._http.get(jwks_url, headers={"accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except OutboundRefused as refused:
            raise LaunchRejected(
                "jwks", f"the platform's key set was not fetched: {refused}"
            ) from None
        except (requests.RequestException, ValueError) as error:
            raise LaunchRejected(
                "jwks", f"the platform's key set could not be read ({type(error).__name__})"
            ) from None
        return _signing_keys(document)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


jwks_cache = JwksCache()


def _signing_keys(document: object) -> dict[str, object]:
    """The RSA signing keys of a JWKS document by kid; unusable entries are skipped."""
    keys: dict[str, object] = {}
    for jwk in document.get("keys", []) if isinstance(document, dict) else []:
        if not _is_rsa_signing_key(jwk):
            continue
        try:
            keys[str(jwk["kid"])] = RSAAlgorithm.from_jwk(jwk)
        except (ValueError, KeyError, TypeError):
            continue
    return keys


def _is_rsa_signing_key(jwk: object) -> bool:
    return (
        isinstance(jwk, dict)
        and jwk.get("kty") == "RSA"
        and bool(jwk.get("kid"))
        and jwk.get("use", "sig") == "sig"
    )
