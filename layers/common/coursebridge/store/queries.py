"""Queries read to the end (every page) and update expressions built from named values."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


def query_pages(table: Any, **query: Any) -> Iterator[dict[str, Any]]:
    """Every item a Query matches, page after page (``LastEvaluatedKey``)."""
    while True:
        page = table.query(**query)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def query_all(table: Any, **query: Any) -> list[dict[str, Any]]:
    return list(query_pages(table, **query))


@dataclass
class Update:
    """An UpdateItem's expressions, with every attribute name and value placeholdered.

    ``set``/``remove``/``add`` name attributes; ``when`` adds a condition written with
    ``#name`` / ``:value`` placeholders whose values it is given.
    """

    sets: list[str] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)
    adds: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def _name(self, attribute: str) -> str:
        self.names[f"#{attribute}"] = attribute
        return f"#{attribute}"

    def set(self, attribute: str, value: Any, *, if_absent: bool = False) -> Update:
        name = self._name(attribute)
        self.values[f":{attribute}"] = value
        target = f"if_not_exists({name}, :{attribute})" if if_absent else f":{attribute}"
        self.sets.append(f"{name} = {target}")
        return self

    def set_all(self, values: dict[str, Any]) -> Update:
        """SET each attribute that has a value (None: left as it is)."""
        for attribute, value in values.items():
            if value is not None:
                self.set(attribute, value)
        return self

    def remove(self, attribute: str) -> Update:
        self.removes.append(self._name(attribute))
        return self

    def add(self, attribute: str, value: Any) -> Update:
        self.values[f":{attribute}"] = value
        self.adds.append(f"{self._name(attribute)} :{attribute}")
        return self

    def when(self, condition: str, names: tuple[str, ...] = (), **values: Any) -> Update:
        for attribute in names:
            self._name(attribute)
        self.values.update({f":{k}": v for k, v in values.items()})
        self.conditions.append(condition)
        return self

    def request(self, key: dict[str, str]) -> dict[str, Any]:
        """UpdateItem parameters (also the body of a TransactWriteItems Update)."""
        clauses = [
            (verb, ", ".join(parts))
            for verb, parts in (("SET", self.sets), ("REMOVE", self.removes), ("ADD", self.adds))
            if parts
        ]
        request: dict[str, Any] = {
            "Key": key,
            "UpdateExpression": " ".join(f"{verb} {parts}" for verb, parts in clauses),
        }
        if self.conditions:
            request["ConditionExpression"] = " AND ".join(self.conditions)
        if self.names:
            request["ExpressionAttributeNames"] = self.names
        if self.values:
            request["ExpressionAttributeValues"] = self.values
        return request
