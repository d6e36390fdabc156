"""The outbound policy (which URLs and addresses) and its transport (one resolution,
no redirects, a total deadline, a size cap), against real servers on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import threading
import time
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from coursebridge.outbound import (
    DeadlineExceeded,
    Limits,
    OutboundPolicy,
    OutboundSession,
    RedirectRefused,
    ResponseTooLarge,
    UrlNotAllowed,
    address_category,
)
from coursebridge.outbound.policy import LOOPBACK_SETTING


@pytest.mark.parametrize(
    ("address", "category"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address to classify, not to bind
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "private"),  # reserved, which Python files under private
        ("100.64.0.1", "non-public"),  # shared address space (carrier-grade NAT)
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("fec0::1", "site-local"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of 169.254.169.254
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_categories(address, category):
    assert address_category(ipaddress.ip_address(address)) == category


STRICT = OutboundPolicy(allow_loopback=False)
LOCAL = OutboundPolicy(allow_loopback=True)


@pytest.mark.parametrize(
    ("policy", "url", "says"),
    [
        (STRICT, "http://lms.example.edu/jwks", "must be https"),
        (LOCAL, "http://lms.example.edu/jwks", "must be https"),
        (STRICT, "ftp://lms.example.edu/jwks", "must be https"),
        (STRICT, "javascript:alert(1)", "must be https"),
        (STRICT, "https://user:pw@lms.example.edu/jwks", "user name or password"),
        (STRICT, "https:///jwks", "no host"),
        (STRICT, "https://169.254.169.254/latest/meta-data/", "link-local"),
        (STRICT, "http://127.0.0.1:3001/jwks", "loopback"),
        (STRICT, "https://localhost/jwks", "loopback"),
        (LOCAL, "http://10.0.0.1/jwks", "private"),
        (LOCAL, "https://[::ffff:127.0.0.1]/x", None),
        (LOCAL, "http://127.0.0.1:3001/jwks", None),
        (LOCAL, "http://localhost:3001/jwks", None),
        (STRICT, "https://lms.example.edu/jwks", None),
    ],
)
def test_urls_checked_without_dns(policy, url, says):
    if says is None:
        policy.check_url(url)
        return
    with pytest.raises(UrlNotAllowed) as refused:
        policy.check_url(url)
    assert says in str(refused.value) and url in str(refused.value)


def _fake_dns(monkeypatch, answers: dict[str, list[list[str]]]) -> dict[str, int]:
    """``host`` → successive answers; other names (and literals) resolve as usual."""
    real = socket.getaddrinfo
    asked: dict[str, int] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        asked[host] = asked.get(host, 0) + 1
        addresses = answers[host][min(asked[host], len(answers[host])) - 1]
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_host_with_any_private_address_is_refused(monkeypatch):
    _fake_dns(monkeypatch, {"lms.example.edu": [["93.184.215.14", "10.0.0.5"]]})
    with pytest.raises(UrlNotAllowed, match=re.escape("10.0.0.5 is a private address")):
        STRICT.check_resolved("https://lms.example.edu/jwks")


def test_a_host_that_does_not_resolve_yet_is_left_to_the_fetch(monkeypatch):
    def fail(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    STRICT.check_resolved("https://lms.example.edu/jwks")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes: dict = {}

    def do_GET(self) -> None:
        self.routes[self.path](self)

    def do_POST(self) -> None:
        self.routes[self.path](self)

    def log_message(self, *_: object) -> None:
        pass


def _ok(body: bytes, *, length: bool = True):
    def reply(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        if length:
            handler.send_header("content-length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        handler.send_header("transfer-encoding", "chunked")
        handler.end_headers()
        for start in range(0, len(body), 4096):
            part = body[start : start + 4096]
            handler.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")

    return reply


def _agent(handler: BaseHTTPRequestHandler) -> None:
    """Answers with the User-Agent header the request carried."""
    body = json.dumps({"agent": handler.headers.get("user-agent")}).encode()
    length = int(handler.headers.get("content-length") or 0)
    handler.rfile.read(length)
    handler.send_response(200)
    handler.send_header("content-length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _redirect(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(302)
    handler.send_header("location", "/small")
    handler.send_header("content-length", "0")
    handler.end_headers()


def _drip(handler: BaseHTTPRequestHandler) -> None:
    """Headers one byte every 0.1 s: each read is quick, the answer never ends."""
    head = b"HTTP/1.1 200 OK\r\nx-slow: " + b"a" * 200
    for byte in head:
        try:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.1)


@pytest.fixture
def server(monkeypatch) -> Iterator[str]:
    monkeypatch.setenv(LOOPBACK_SETTING, "true")
    _Handler.routes = {
        "/small": _ok(b'{"keys": []}'),
        "/big": _ok(b"x" * 300_000),
        "/big-chunked": _ok(b"x" * 300_000, length=False),
        "/redirect": _redirect,
        "/drip": _drip,
        "/agent": _agent,
    }
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


LIMITS = Limits(deadline_seconds=1.0, max_bytes=100_000)


def test_a_small_answer_is_read(server):
    assert OutboundSession(LIMITS).get(f"{server}/small").json() == {"keys": []}


def test_every_request_names_coursebridge_and_its_version(server):
    """Canvas refuses API calls without a User-Agent; every outbound request has ours,
    whatever the caller's own headers."""
    from coursebridge import __version__

    session = OutboundSession(LIMITS)
    expected = f"coursebridge/{__version__}"
    assert session.get(f"{server}/agent").json() == {"agent": expected}
    posted = session.post(
        f"{server}/agent", data={"a": "b"}, headers={"accept": "application/json"}
    )
    assert posted.json() == {"agent": expected}
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert __version__ == project["project"]["version"]  # one version, the package's


def test_a_redirect_is_an_error_naming_the_url(server):
    with pytest.raises(RedirectRefused) as refused:
        OutboundSession(LIMITS).get(f"{server}/redirect")
    assert f"{server}/redirect" in str(refused.value) and "302" in str(refused.value)


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_an_answer_over_the_cap_is_refused(server, path):
    with pytest.raises(ResponseTooLarge, match="100000"):
        OutboundSession(LIMITS).get(f"{server}{path}")


def test_a_dripping_server_cannot_outlast_the_total_deadline(server):
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="within 1 s"):
        OutboundSession(LIMITS).get(f"{server}/drip")
    assert time.monotonic() - started < 2.0  # per-read timeouts alone would wait ~20 s


def test_loopback_is_refused_outside_the_local_stack(server, monkeypatch):
    monkeypatch.delenv(LOOPBACK_SETTING)
    with pytest.raises(UrlNotAllowed, match="loopback"):
        OutboundSession(LIMITS).get(f"{server}/small")


def test_the_connection_goes_to_the_address_that_was_checked(server, monkeypatch):
    """A DNS answer that changes after the check (rebinding) is never looked up again."""
    port = server.rsplit(":", 1)[1]
    asked = _fake_dns(monkeypatch, {"localhost": [["127.0.0.1"], ["10.0.0.9"]]})
    session = OutboundSession(LIMITS)
    assert session.get(f"http://localhost:{port}/small").json() == {"keys": []}
    assert asked["localhost"] == 1
    session.close()  # a new connection resolves again, and checks the new answer
    with pytest.raises(UrlNotAllowed, match=re.escape("10.0.0.9 is a private address")):
        OutboundSession(LIMITS).get(f"http://localhost:{port}/small")
