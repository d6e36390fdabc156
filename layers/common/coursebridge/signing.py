"""The tool's RS256 signing key, held in AWS KMS.

The private half never leaves KMS: ``Sign`` (RSASSA_PKCS1_V1_5_SHA_256 over the raw
JWS signing input) makes signatures, ``GetPublicKey`` feeds the JWKS. The ``kid`` is
the key's RFC 7638 thumbprint, so it is stable and computable by anyone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key

from coursebridge import aws

_ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_to_b64url(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 SHA-256 thumbprint of an RSA JWK."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


def rsa_public_jwk(public_key: RSAPublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    jwk = {"kty": "RSA", "e": _int_to_b64url(numbers.e), "n": _int_to_b64url(numbers.n)}
    return {**jwk, "kid": jwk_thumbprint(jwk), "alg": "RS256", "use": "sig"}


class KmsSigner:
    """Signs JWTs with one KMS asymmetric key. Public keys are cached per process."""

    _public_cache: dict[str, dict[str, str]] = {}
    _lock = threading.Lock()

    def __init__(self, key_id: str, kms: Any | None = None) -> None:
        self.key_id = key_id
        self._kms = kms

    @property
    def kms(self) -> Any:
        return self._kms or aws.client("kms")

    def public_jwk(self) -> dict[str, str]:
        with self._lock:
            cached = self._public_cache.get(self.key_id)
        if cached:
            return cached
        der = self.kms.get_public_key(KeyId=self.key_id)["PublicKey"]
        public_key = load_der_public_key(der)
        if not isinstance(public_key, RSAPublicKey):
            raise ValueError(f"KMS key {self.key_id} is not an RSA key")
        jwk = rsa_public_jwk(public_key)
        with self._lock:
            self._public_cache[self.key_id] = jwk
        return jwk

    @property
    def kid(self) -> str:
        return self.public_jwk()["kid"]

    def sign_jwt(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid, **(headers or {})}
        signing_input = ".".join(
            b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = self.kms.sign(
            KeyId=self.key_id,
            Message=signing_input.encode("ascii"),
            MessageType="RAW",
            SigningAlgorithm=_ALGORITHM,
        )["Signature"]
        return f"{signing_input}.{b64url(signature)}"


def public_jwks(key_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """The JWKS document for the given KMS keys (active first, then retiring ones)."""
    return {"keys": [KmsSigner(key_id).public_jwk() for key_id in key_ids]}
