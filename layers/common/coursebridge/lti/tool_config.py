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
from typing import Any

from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore

CACHE_SECONDS = 60.0


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


_registrations = _TtlCache()
_orgs = _TtlCache()


def forget_cached_config() -> None:
    """Drop cached registrations and orgs (tests, after the CLI changed them)."""
    _registrations.clear()
    _orgs.clear()
    _org_registrations.clear()


def registrations_for(issuer: str) -> list[PlatformRegistration]:
    cached = _registrations.get(issuer)
    if cached is not None:
        return cached
    found = PlatformStore().for_issuer(issuer)
    if found:
        _registrations.put(issuer, found)
    return found


def org_for(org_id: str) -> Org | None:
    cached = _orgs.get(org_id)
    if cached is not None:
        return cached
    org = OrgStore().get(org_id)
    if org:
        _orgs.put(org_id, org)
    return org


def find_registration(issuer: str, client_id: str | None) -> PlatformRegistration | None:
    """The registration for (issuer, client_id); client_id may be omitted when the
    issuer has exactly one registration (LTI Core 1.3 §4.1.1 makes it optional)."""
    found = registrations_for(issuer)
    if client_id:
        return next((r for r in found if r.client_id == client_id), None)
    return found[0] if len(found) == 1 else None


_org_registrations = _TtlCache()


def registrations_of_org(org_id: str) -> list[PlatformRegistration]:
    """An org's registrations, cached like the rest (pages framed by its LMSs read
    them on every response). Empty answers are not cached."""
    cached = _org_registrations.get(org_id)
    if cached is not None:
        return cached
    found = PlatformStore().for_org(org_id)
    if found:
        _org_registrations.put(org_id, found)
    return found
