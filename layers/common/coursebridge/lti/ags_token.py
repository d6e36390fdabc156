"""OAuth 2.0 access tokens for LTI Advantage services (1EdTech Security Framework 1.0 §4.1).

The tool authenticates with the client-credentials grant and a ``private_key_jwt``
client assertion (RFC 7523): a JWT signed RS256 by the tool's KMS key, with
``iss = sub = client_id``, ``aud`` = the platform's token URL, a fresh ``jti`` and a
short ``exp``. Its ``kid`` is in the tool's JWKS, where the platform verifies it.

Tokens are shared by every invocation through the app table, encrypted with the
TokenCacheKey (KMS), until shortly before they expire; a lease item makes sure only
one caller asks the platform for a new one, so there is one token request per
platform + client per expiry window, not one per score.

Items (app table):
  AGSTOKEN#<sha256(issuer, clientId)> / TOKEN   tokenCiphertext, scopes, requested, expiresAt, ttl
  AGSTOKEN#<sha256(issuer, clientId)> / LEASE   leaseUntil, ttl (who is fetching right now)
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from coursebridge import aws
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, is_conditional_failure

if TYPE_CHECKING:
    from coursebridge.store.platforms import PlatformRegistration

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS = 300
REFRESH_MARGIN_SECONDS = 60
LEASE_SECONDS = 15
DEFAULT_EXPIRES_IN = 3600


@dataclass(frozen=True)
class AgsPlatform:
    """Where and as whom the tool asks for tokens."""

    issuer: str
    client_id: str
    token_url: str
    registration_id: str  # tokens are cached per registration, never shared across tenants

    @classmethod
    def of(cls, registration: PlatformRegistration) -> AgsPlatform:
        """The platform as its registration names it."""
        return cls(
            registration.issuer,
            registration.client_id,
            str(registration.auth_token_url),
            registration.registration_id,
        )


@dataclass(frozen=True)
class AccessToken:
    value: str
    scopes: frozenset[str]  # what the platform granted
    expires_at: float  # epoch seconds
    requested: frozenset[str] = frozenset()  # what we asked for (may be more than granted)

    def usable(self, scopes: frozenset[str], now: float) -> bool:
        """Fresh enough, and either granted these scopes or already refused them (asking
        again in the same window would only cost another token request)."""
        lifetime_left = self.expires_at - now
        covered = scopes <= (self.scopes | self.requested)
        return covered and lifetime_left > REFRESH_MARGIN_SECONDS


class TokenStore(Protocol):
    """Where tokens are shared between invocations (DynamoDB in production)."""

    def load(self, platform: AgsPlatform) -> AccessToken | None: ...
    def save(self, platform: AgsPlatform, token: AccessToken) -> None: ...
    def try_lease(self, platform: AgsPlatform, seconds: int) -> bool: ...
    def end_lease(self, platform: AgsPlatform) -> None: ...


def _cache_pk(platform: AgsPlatform) -> str:
    digest = hashlib.sha256(
        f"{platform.registration_id}\n{platform.issuer}\n{platform.client_id}".encode()
    ).hexdigest()
    return digest[:40]


class DynamoTokenStore:
    """Tokens in the app table, the token itself encrypted by the TokenCacheKey."""

    def __init__(self, kms: Any | None = None, key_id: str | None = None) -> None:
        self._kms = kms
        self._key_id = key_id

    @property
    def kms(self) -> Any:
        return self._kms or aws.client("kms")

    @property
    def key_id(self) -> str:
        key_id = self._key_id or get_settings().token_cache_key_id
        if not key_id:
            raise RuntimeError("TOKEN_CACHE_KEY_ID is not set: cached tokens must be encrypted")
        return key_id

    @staticmethod
    def _context(platform: AgsPlatform) -> dict[str, str]:
        return {
            "purpose": "ags-token",
            "registrationId": platform.registration_id,
            "issuer": platform.issuer,
            "clientId": platform.client_id,
        }

    def load(self, platform: AgsPlatform) -> AccessToken | None:
        item = (
            app_table()
            .get_item(Key=keys.ags_token(_cache_pk(platform)), ConsistentRead=True)
            .get("Item")
        )
        if not item or float(item["expiresAt"]) <= time.time():
            return None
        plaintext = self.kms.decrypt(
            CiphertextBlob=bytes(item["tokenCiphertext"]),
            EncryptionContext=self._context(platform),
        )["Plaintext"]
        return AccessToken(
            plaintext.decode(),
            frozenset(item.get("scopes") or ()),
            float(item["expiresAt"]),
            frozenset(item.get("requested") or ()),
        )

    def save(self, platform: AgsPlatform, token: AccessToken) -> None:
        ciphertext = self.kms.encrypt(
            KeyId=self.key_id,
            Plaintext=token.value.encode(),
            EncryptionContext=self._context(platform),
        )["CiphertextBlob"]
        app_table().put_item(
            Item={
                **keys.ags_token(_cache_pk(platform)),
                "kind": "agsToken",
                "issuer": platform.issuer,
                "clientId": platform.client_id,
                "tokenCiphertext": ciphertext,
                "scopes": sorted(token.scopes),
                "requested": sorted(token.requested),
                "expiresAt": int(token.expires_at),
                "ttl": int(token.expires_at) + 60,
            }
        )

    def try_lease(self, platform: AgsPlatform, seconds: int) -> bool:
        now = int(time.time())
        try:
            app_table().put_item(
                Item={
                    **keys.ags_token_lease(_cache_pk(platform)),
                    "leaseUntil": now + seconds,
                    "ttl": now + seconds + 60,
                },
                ConditionExpression="attribute_not_exists(pk) OR leaseUntil < :now",
                ExpressionAttributeValues={":now": now},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def end_lease(self, platform: AgsPlatform) -> None:
        app_table().update_item(
            Key=keys.ags_token_lease(_cache_pk(platform)),
            UpdateExpression="SET leaseUntil = :zero",
            ExpressionAttributeValues={":zero": 0},
        )


class TokenRequester(Protocol):
    def __call__(self, platform: AgsPlatform, scopes: frozenset[str]) -> AccessToken: ...


def client_assertion_claims(platform: AgsPlatform, now: int | None = None) -> dict[str, Any]:
    """The private_key_jwt claims of the Security Framework §4.1.1."""
    issued = int(time.time()) if now is None else now
    return {
        "iss": platform.client_id,
        "sub": platform.client_id,
        "aud": platform.token_url,
        "iat": issued,
        "exp": issued + ASSERTION_LIFETIME_SECONDS,
        "jti": str(uuid.uuid4()),
    }


class TokenProvider:
    """Hands out a usable access token, asking the platform only when none is cached.

    ``rejected`` names a token the platform just answered 401 to: it is not reused.
    """

    _process_tokens: dict[str, AccessToken] = {}
    _locks: dict[str, threading.Lock] = {}
    _locks_guard = threading.Lock()

    def __init__(
        self,
        store: TokenStore,
        request_token: TokenRequester,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        wait_for_peer_seconds: float = 5.0,
    ) -> None:
        self.store = store
        self.request_token = request_token
        self.clock = clock
        self.sleep = sleep
        self.wait_for_peer_seconds = wait_for_peer_seconds

    @classmethod
    def forget_process_cache(cls) -> None:
        cls._process_tokens.clear()

    def _lock_for(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(
        self, platform: AgsPlatform, scopes: frozenset[str], rejected: str | None = None
    ) -> AccessToken:
        key = _cache_pk(platform)
        with self._lock_for(key):
            token = self._process_tokens.get(key)
            if self._fits(token, scopes, rejected):
                return token  # type: ignore[return-value]
            token = self.store.load(platform)
            if self._fits(token, scopes, rejected):
                self._process_tokens[key] = token  # type: ignore[assignment]
                return token  # type: ignore[return-value]
            wanted = scopes | (token.scopes if token else frozenset())
            token = self._fetch_once(platform, wanted, scopes, rejected)
            self._process_tokens[key] = token
            return token

    def _fits(
        self, token: AccessToken | None, scopes: frozenset[str], rejected: str | None
    ) -> bool:
        return token is not None and token.value != rejected and token.usable(scopes, self.clock())

    def _fetch_once(
        self,
        platform: AgsPlatform,
        wanted: frozenset[str],
        needed: frozenset[str],
        rejected: str | None,
    ) -> AccessToken:
        leased = self.store.try_lease(platform, LEASE_SECONDS)
        if not leased:
            # Another invocation is asking the platform right now: use its token.
            deadline = self.clock() + self.wait_for_peer_seconds
            while self.clock() < deadline:
                self.sleep(0.1)
                token = self.store.load(platform)
                if self._fits(token, needed, rejected):
                    return token  # type: ignore[return-value]
            # It did not deliver (crashed or slow): ask ourselves.
        try:
            token = self.request_token(platform, wanted)
            self.store.save(platform, token)
            return token
        finally:
            if leased:
                self.store.end_lease(platform)
