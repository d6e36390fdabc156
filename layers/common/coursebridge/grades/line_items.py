"""The one line item (LMS gradebook column) a unit's grades go to.

In this order: the launch's own line item (the LMS made it for the link), else the one
the tool found or created before (``releaseLineitem`` on the unit), else one found in
the context's container by resource link — one the tool made for this unit (its tag or
``resourceId``) first — and only when there is none, one created:

- a lease on the unit lets one worker look up and create; the others wait for what it
  stores, so concurrent releases of a unit create one line item;
- a worker that created one without holding the lease all along (its peer stored
  nothing in time, or its own lease ran out) reads the container again: when another
  line item of the link is listed first, that one is used and ours is deleted, so both
  converge on the same one (under the lease nobody else creates: no second read);
- the first URL stored on the unit wins (a conditional write).

A line item the LMS answers 404 for (deleted in the LMS) is added to the unit's
``goneLineitems`` and never sent to again; ``replace_gone_line_item`` then resolves a
new one (created once, under the same lease) and the release reports it.

Items: UNIT#<unitId>/META  releaseLineitem, releaseLineitemLease, goneLineitems.
"""

from __future__ import annotations

import time

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from coursebridge.grades.release_plan import GradeState, UnitInfo, line_item_maximum
from coursebridge.lti.ags import AgsClient, AgsError, PermanentAgsError
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, is_conditional_failure, now_epoch

logger = Logger(child=True)

LINEITEM_WAIT_SECONDS = 10.0
LEASE_SECONDS = 30


class LineItemStore:
    """The unit's line item attributes (app table, the unit's META item)."""

    def unit(self, unit_id: str) -> UnitInfo | None:
        item = app_table().get_item(Key=keys.unit(unit_id), ConsistentRead=True).get("Item")
        return UnitInfo.from_item(unit_id, item) if item else None

    def try_lease(self, unit_id: str, seconds: int = LEASE_SECONDS) -> bool:
        now = now_epoch()
        try:
            app_table().update_item(
                Key=keys.unit(unit_id),
                UpdateExpression="SET releaseLineitemLease = :until",
                ConditionExpression=(
                    "attribute_exists(pk) AND (attribute_not_exists(releaseLineitemLease) "
                    "OR releaseLineitemLease < :now)"
                ),
                ExpressionAttributeValues={":until": now + seconds, ":now": now},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def end_lease(self, unit_id: str) -> None:
        app_table().update_item(
            Key=keys.unit(unit_id),
            UpdateExpression="SET releaseLineitemLease = :zero",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":zero": 0},
        )

    def save(self, unit_id: str, lineitem_url: str) -> str:
        """Store the line item found or created for the unit; the first one stored wins."""
        try:
            app_table().update_item(
                Key=keys.unit(unit_id),
                UpdateExpression="SET releaseLineitem = :url",
                ConditionExpression=(
                    "attribute_exists(pk) AND attribute_not_exists(releaseLineitem)"
                ),
                ExpressionAttributeValues={":url": lineitem_url},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
            unit = self.unit(unit_id)
            if unit and unit.release_lineitem:
                return unit.release_lineitem
        return lineitem_url

    def mark_gone(self, unit_id: str, lineitem_url: str) -> None:
        """Never send to this line item again; forget it if it was the stored one."""
        table = app_table()
        table.update_item(
            Key=keys.unit(unit_id),
            UpdateExpression="ADD goneLineitems :gone",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":gone": {lineitem_url}},
        )
        try:
            table.update_item(
                Key=keys.unit(unit_id),
                UpdateExpression="REMOVE releaseLineitem",
                ConditionExpression="releaseLineitem = :gone",
                ExpressionAttributeValues={":gone": lineitem_url},
            )
        except ClientError as error:
            if not is_conditional_failure(error):  # another one is stored: keep it
                raise


def usable_line_item(unit: UnitInfo) -> str | None:
    """The line item already known for the unit and not deleted in the LMS, if any."""
    for url in (unit.lineitem, unit.release_lineitem):
        if url and url not in unit.gone_lineitems:
            return url
    return None


def resolve_line_item(
    unit: UnitInfo, client: AgsClient, store: LineItemStore, grades: list[GradeState]
) -> str:
    """The line item of the unit's grades (see the module's docstring)."""
    known = usable_line_item(unit)
    if known:
        return known
    if not unit.lineitems:
        raise PermanentAgsError("the LMS gave no line item for this activity")
    leased_until = time.monotonic() + LEASE_SECONDS - 1 if store.try_lease(unit.unit_id) else 0.0
    if not leased_until:
        stored = _wait_for_peer(unit.unit_id, store)
        if stored:
            return stored
    try:
        return store.save(unit.unit_id, _find_or_create(unit, client, grades, leased_until))
    finally:
        if leased_until:
            store.end_lease(unit.unit_id)


def _wait_for_peer(unit_id: str, store: LineItemStore) -> str | None:
    """What the worker holding the lease stores (None if it stores nothing in time)."""
    deadline = time.monotonic() + LINEITEM_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.2)
        fresh = store.unit(unit_id)
        stored = usable_line_item(fresh) if fresh else None
        if stored:
            return stored
    return None


def _find_or_create(
    unit: UnitInfo, client: AgsClient, grades: list[GradeState], leased_until: float
) -> str:
    """``leased_until``: when our lease runs out (monotonic; 0: we hold none)."""
    assert unit.lineitems is not None
    found = _find(unit, client)
    if found:
        logger.info("line item found", extra={"unitId": unit.unit_id})
        return found
    created = client.create_line_item(
        unit.lineitems,
        label=unit.title,
        score_maximum=line_item_maximum(unit, grades),
        resource_link_id=unit.resource_link_id,
        resource_id=unit.unit_id,
    )
    if time.monotonic() < leased_until:  # nobody else created one meanwhile
        logger.info("line item created", extra={"unitId": unit.unit_id})
        return created
    again = _find(unit, client)  # another worker may have created one meanwhile
    if again and again != created:
        try:
            client.delete_line_item(created)
        except AgsError as error:
            logger.warning("duplicate line item not deleted", extra={"reason": error.reason})
        created = again
    logger.info("line item created", extra={"unitId": unit.unit_id})
    return created


def _find(unit: UnitInfo, client: AgsClient) -> str | None:
    assert unit.lineitems is not None
    found = client.find_line_item(unit.lineitems, unit.resource_link_id, unit.unit_id)
    return found if found and found not in unit.gone_lineitems else None


def replace_gone_line_item(
    unit: UnitInfo,
    gone_url: str,
    client: AgsClient,
    store: LineItemStore,
    grades: list[GradeState],
) -> tuple[UnitInfo, str]:
    """Record that ``gone_url`` was deleted in the LMS and resolve the one to use now
    (another worker's replacement, or a new one). Returns the unit as it is now."""
    store.mark_gone(unit.unit_id, gone_url)
    fresh = store.unit(unit.unit_id) or unit
    logger.warning(
        "line item deleted in the LMS", extra={"unitId": unit.unit_id, "lineItem": gone_url}
    )
    return fresh, resolve_line_item(fresh, client, store, grades)
