"""DynamoDB's wire format for the importer's items, without boto3's resource layer.

At thousands of items per second, ``TypeSerializer``'s chain of type checks costs more
CPU than the requests: the types the importer writes are converted here directly.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _wire_value(value: Any) -> dict:
    """``TypeSerializer.serialize`` for the types the importer writes, without its chain
    of type checks (~4x faster); anything else goes to it."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int:
        return {"N": str(value)}
    if kind is dict:
        return {"M": {name: _wire_value(v) for name, v in value.items()}}
    if kind is set and value and all(type(v) is str for v in value):
        return {"SS": list(value)}
    return _SERIALIZER.serialize(value)


def to_wire(values: dict) -> dict:
    return {name: _wire_value(value) for name, value in values.items()}


def from_wire(item: dict) -> dict:
    return {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}


def wire_action(action: dict) -> dict:
    """One TransactWriteItems action with its values in DynamoDB's wire format."""
    ((kind, body),) = action.items()
    body = dict(body)
    for part in ("Item", "Key", "ExpressionAttributeValues"):
        if part in body:
            body[part] = to_wire(body[part])
    return {kind: body}
