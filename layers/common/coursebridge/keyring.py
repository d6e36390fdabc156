"""Which KMS keys sign now and which are still published (key rotation).

Item (app table): KEYRING / SIGNING  {activeKeyId, retired: [{keyId, until}]}
Without that item the template's SigningKey (SIGNING_KEY_ID) is the only key.
A retired key stays in the JWKS until ``until`` so platforms holding tokens or
cached JWKS signed by it keep verifying during the grace period.
"""

from __future__ import annotations

from coursebridge import aws
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, now_epoch

KEYRING_KEY = keys.KEYRING


def active_signing_key_id() -> str:
    item = app_table().get_item(Key=KEYRING_KEY).get("Item")
    return item["activeKeyId"] if item else get_settings().signing_key_id


def published_key_ids() -> list[str]:
    """Active key first, then retired keys still inside their grace period."""
    item = app_table().get_item(Key=KEYRING_KEY).get("Item")
    if not item:
        return [get_settings().signing_key_id]
    now = now_epoch()
    retired = [r["keyId"] for r in item.get("retired", []) if int(r["until"]) > now]
    return [item["activeKeyId"], *retired]


SIGNING_KEY_TAG = {"TagKey": "coursebridge:purpose", "TagValue": "lti-signing"}
DEFAULT_GRACE_SECONDS = 7 * 24 * 3600


def rotate_signing_key(grace_seconds: int = DEFAULT_GRACE_SECONDS) -> str:
    """Create a new KMS signing key, make it active, keep the old one published.

    The new key carries the ``coursebridge:purpose=lti-signing`` tag that the
    functions' IAM policies require. Returns the new key id.
    """
    kms = aws.client("kms")
    new_key = kms.create_key(
        Description="coursebridge LTI tool signing key (RS256), rotated",
        KeySpec="RSA_2048",
        KeyUsage="SIGN_VERIFY",
        Tags=[SIGNING_KEY_TAG],
    )["KeyMetadata"]["KeyId"]
    current = app_table().get_item(Key=KEYRING_KEY, ConsistentRead=True).get("Item")
    now = now_epoch()
    old_active = current["activeKeyId"] if current else get_settings().signing_key_id
    retired = [r for r in (current or {}).get("retired", []) if int(r["until"]) > now]
    retired.insert(0, {"keyId": old_active, "until": now + grace_seconds})
    item = {
        **KEYRING_KEY,
        "kind": "keyring",
        "activeKeyId": new_key,
        "retired": retired,
        "rotatedAt": now,
    }
    if current:
        app_table().put_item(
            Item=item,
            ConditionExpression="activeKeyId = :seen",
            ExpressionAttributeValues={":seen": old_active},
        )
    else:
        app_table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    return new_key
