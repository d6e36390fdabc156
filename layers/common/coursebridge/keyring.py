"""Which KMS keys sign now and which are still published (key rotation).

Item (app table): KEYRING / SIGNING  {activeKeyId, retired: [{keyId, until}]}
Without that item the template's SigningKey (SIGNING_KEY_ID) is the only key.
A retired key stays in the JWKS until ``until`` so platforms holding tokens or
cached JWKS signed by it keep verifying during the grace period.
"""

from __future__ import annotations

from coursebridge.settings import get_settings
from coursebridge.store.dynamo import app_table, now_epoch

KEYRING_KEY = {"pk": "KEYRING", "sk": "SIGNING"}


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
