"""Key rotation: new tokens use the new key; the old key stays in the JWKS for the grace
period so platforms that cached it keep verifying, then leaves."""

from __future__ import annotations

import jwt
import pytest
import requests

from coursebridge.cli import main
from coursebridge.keyring import KEYRING_KEY, active_signing_key_id, published_key_ids
from coursebridge.signing import KmsSigner
from coursebridge.store.dynamo import app_table

pytestmark = pytest.mark.integration


def _jwks(stack) -> dict[str, dict]:
    keys = requests.get(f"{stack.ports.tool_url}/.well-known/jwks.json", timeout=10).json()
    return {k["kid"]: k for k in keys["keys"]}


def test_rotation_publishes_both_keys_and_signs_with_the_new_one(stack, capsys):
    old_key = active_signing_key_id()
    old_token = KmsSigner(old_key).sign_jwt({"sub": "before"})

    assert main(["keys", "rotate"]) == 0
    new_key = capsys.readouterr().out.split()[-1]
    assert new_key != old_key
    assert active_signing_key_id() == new_key
    assert published_key_ids() == [new_key, old_key]

    jwks = _jwks(stack)
    assert len(jwks) == 2
    new_token = KmsSigner(new_key).sign_jwt({"sub": "after"})
    for token, sub in ((old_token, "before"), (new_token, "after")):
        kid = jwt.get_unverified_header(token)["kid"]
        public = jwt.PyJWK(jwks[kid]).key
        assert jwt.decode(token, public, algorithms=["RS256"])["sub"] == sub


def test_retired_key_leaves_the_jwks_after_the_grace_period(stack, capsys):
    old_key = active_signing_key_id()
    assert main(["keys", "rotate", "--grace-days", "0"]) == 0
    new_key = capsys.readouterr().out.split()[-1]
    item = app_table().get_item(Key=KEYRING_KEY)["Item"]
    assert item["retired"][0]["keyId"] == old_key
    assert published_key_ids() == [new_key]
    assert len(_jwks(stack)) == 1
