"""``OutboundSession``: the only HTTP client the product uses to reach a platform.

A ``requests.Session`` whose every request follows the outbound policy (policy.py):
the URL is checked, the host resolved once and every address checked, and the
connection made to a checked address (no second lookup: DNS rebinding cannot swap
it); redirects are never followed (a 3xx is ``RedirectRefused`` naming the URL); the
whole request — connect, send, headers, body — has a total deadline (deadline.py);
and the body is read up to a size cap (``ResponseTooLarge`` beyond it, counted after
decompression). Proxies and ``.netrc`` from the environment are ignored. Every
request names us: ``User-Agent: coursebridge/<version>`` (Canvas refuses API calls
without a User-Agent; an LMS admin reading their logs sees who called).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError

from coursebridge import __version__
from coursebridge.outbound.deadline import Deadline, current_deadline, watchdog
from coursebridge.outbound.policy import OutboundRefused, outbound_policy

CHUNK_BYTES = 64 * 1024
USER_AGENT = f"coursebridge/{__version__}"


class RedirectRefused(OutboundRefused):
    """The platform answered with a redirect; we do not follow one."""


class ResponseTooLarge(OutboundRefused):
    """The answer is larger than the cap for this kind of request."""


class DeadlineExceeded(OutboundRefused):
    """The request did not complete within its total deadline (a later try may)."""


@dataclass(frozen=True)
class Limits:
    deadline_seconds: float
    max_bytes: int
    connect_seconds: float = 5.0


JWKS_LIMITS = Limits(deadline_seconds=5.0, max_bytes=1024 * 1024)
TOKEN_LIMITS = Limits(deadline_seconds=10.0, max_bytes=1024 * 1024)
# Line item containers of a big course run to a few hundred KB; scores answer little.
AGS_LIMITS = Limits(deadline_seconds=20.0, max_bytes=5 * 1024 * 1024)
# A platform's OpenID configuration and its answer to a Dynamic Registration: a few KB.
REGISTRATION_LIMITS = Limits(deadline_seconds=10.0, max_bytes=256 * 1024)


class _CheckedConnection:
    """Mixed into urllib3's connections: resolve, check, connect to the checked address."""

    is_tls = False
    _dns_host: str  # set by urllib3's connection classes, which this is mixed into
    port: int
    host: str

    def _new_conn(self) -> Any:
        host, port = self._dns_host, self.port
        url = f"{'https' if self.is_tls else 'http'}://{self.host}:{port}"
        addresses = outbound_policy().resolve(host, port, url, tls=self.is_tls)
        failure: ConnectTimeoutError | None = None
        for address in addresses:
            self._dns_host = address  # what urllib3 connects to; TLS still checks self.host
            try:
                return super()._new_conn()  # type: ignore[misc]
            except ConnectTimeoutError as error:  # includes NewConnectionError
                failure = error
            finally:
                self._dns_host = host
        assert failure is not None
        raise failure

    def request(self, *args: Any, **kwargs: Any) -> Any:
        deadline = current_deadline.get()
        if deadline is not None:
            deadline.attach(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _HttpConnection(_CheckedConnection, HTTPConnection):
    pass


class _HttpsConnection(_CheckedConnection, HTTPSConnection):
    is_tls = True


class _HttpPool(HTTPConnectionPool):
    ConnectionCls = _HttpConnection


class _HttpsPool(HTTPSConnectionPool):
    ConnectionCls = _HttpsConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HttpPool, "https": _HttpsPool}


class OutboundSession(requests.Session):
    """Use like a ``requests.Session``; ``limits=`` per call overrides the session's."""

    def __init__(self, limits: Limits, *, pool_size: int = 10) -> None:
        super().__init__()
        self.limits = limits
        self.trust_env = False  # no proxy or .netrc from the environment
        self.headers["User-Agent"] = USER_AGENT
        adapter = _CheckedAdapter(pool_connections=8, pool_maxsize=pool_size, max_retries=0)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, limits: Limits | None = None, **kwargs: Any
    ) -> requests.Response:
        limits = limits or self.limits
        outbound_policy().check_url(url)
        deadline = Deadline(limits.deadline_seconds)
        kwargs.update(
            allow_redirects=False,
            stream=True,
            timeout=(min(limits.connect_seconds, deadline.left()), deadline.left()),
        )
        token = current_deadline.set(deadline)
        watchdog.watch(deadline)
        try:
            response = super().request(method, url, *args, **kwargs)
            if 300 <= response.status_code < 400:
                response.close()
                where = response.headers.get("location", "elsewhere")
                raise RedirectRefused(
                    url, f"the platform answered {response.status_code} (to {where}), not followed"
                )
            _read_capped(response, limits.max_bytes, url)
        except (requests.RequestException, OSError):
            if deadline.expired:
                raise DeadlineExceeded(
                    url, f"no complete answer within {limits.deadline_seconds:g} s"
                ) from None
            raise
        finally:
            deadline.finish()
            current_deadline.reset(token)
        if deadline.expired:
            raise DeadlineExceeded(url, f"no complete answer within {limits.deadline_seconds:g} s")
        return response


def _read_capped(response: requests.Response, max_bytes: int, url: str) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise ResponseTooLarge(url, f"the answer is {declared} bytes, over {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            raise ResponseTooLarge(url, f"the answer is over {max_bytes} bytes")
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what .json() and .text read
