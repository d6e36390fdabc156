"""Everything the tables hold, to show that a refused request wrote nothing."""

from __future__ import annotations

from coursebridge.store.dynamo import app_table, users_table


def everything_stored() -> list[dict]:
    """Every item of both tables (consistent reads), in a stable order."""
    items: list[dict] = []
    for table in (app_table(), users_table()):
        scan: dict = {"ConsistentRead": True}
        while True:
            page = table.scan(**scan)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda item: sorted((k, repr(v)) for k, v in item.items()))
