"""Platform registrations, read from DynamoDB (many issuers, client ids,
deployments), with a short per-container cache.

A warm launch must not pay a DynamoDB read for configuration that changes once a
year: registrations and orgs are cached for ``CACHE_SECONDS`` per container. A
removed platform therefore keeps launching for at most that long on a warm
container (documented in docs/OPERATIONS.md). Misses are never cached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore

CACHE_SECONDS = 60.0
T = TypeVar("T")


class _TtlCache:
    def __init__(self) -> None:
        self._items: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        with self._lock:
            found = self._items.get(key)
        if found and found[0] > time.monotonic():
            return found[1]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + CACHE_SECONDS, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get_or_load(self, key: Any, load: Callable[[], T]) -> T:
        """The cached value, else ``load()`` — kept only when it found something, so a
        registration or org added a moment ago is seen at the next request."""
        cached = self.get(key)
        if cached is not None:
            return cast(T, cached)
        found = load()
        if found:
            self.put(key, found)
        return found


_registrations = _TtlCache()
_orgs = _TtlCache()
_org_registrations = _TtlCache()


def forget_cached_config() -> None:
    """Drop cached registrations and orgs (tests, after the CLI changed them)."""
    _registrations.clear()
    _orgs.clear()
    _org_registrations.clear()


def registrations_for(issuer: str) -> list[PlatformRegistration]:
    return _registrations.get_or_load(issuer, lambda: PlatformStore().for_issuer(issuer))


def org_for(org_id: str) -> Org | None:
    return _orgs.get_or_load(org_id, lambda: OrgStore().get(org_id))


def find_registration(issuer: str, client_id: str | None) -> PlatformRegistration | None:
    """The registration for (issuer, client_id); client_id may be omitted when the
    issuer has exactly one registration (LTI Core 1.3 §4.1.1 makes it optional)."""
    found = registrations_for(issuer)
    if client_id:
        return next((r for r in found if r.client_id == client_id), None)
    return found[0] if len(found) == 1 else None


def registrations_of_org(org_id: str) -> list[PlatformRegistration]:
    """An org's registrations, cached like the rest (pages framed by its LMSs read
    them on every response). Empty answers are not cached."""
    return _org_registrations.get_or_load(org_id, lambda: PlatformStore().for_org(org_id))
