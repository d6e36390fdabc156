"""store.dynamo.batch_get on DynamoDB Local: any number of keys, duplicates and missing
keys, projections."""

from __future__ import annotations

import pytest

from coursebridge.settings import get_settings
from coursebridge.store.dynamo import app_table, batch_get

pytestmark = pytest.mark.integration


def test_more_than_100_keys_with_duplicates_and_missing_ones(stack):
    with app_table().batch_writer() as batch:
        for n in range(230):
            batch.put_item(Item={"pk": "BG#1", "sk": f"K#{n:03d}", "name": f"n{n}", "x": 1})
    keys = [{"pk": "BG#1", "sk": f"K#{n:03d}"} for n in range(250)]  # 20 do not exist
    keys += keys[:5]  # asked twice: BatchGetItem itself refuses duplicate keys
    found = batch_get(get_settings().app_table, keys, consistent=True)
    assert len(found) == 230
    assert found[("BG#1", "K#229")]["name"] == "n229"
    assert ("BG#1", "K#230") not in found

    named = batch_get(
        get_settings().app_table, keys[:3], projection="pk, sk, #n", names={"#n": "name"}
    )
    assert named[("BG#1", "K#000")] == {"pk": "BG#1", "sk": "K#000", "name": "n0"}
