"""Helpers for the Dynamic Registration tests: registration URLs, the LMS opening them,
the confirmation form posted back, and a platform whose every answer a test chooses
(to play a broken or hostile LMS)."""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from coursebridge.orgs.registration_urls import issue_registration_url
from coursebridge.orgs.settings import Actor
from coursebridge.store.orgs import Org, OrgStore

Reply = tuple[int, dict[str, str], bytes]
CONFIG_PATH = "/.well-known/openid-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"


def make_org(org_id: str, *, student_id_field: str | None = None) -> Org:
    org = Org(
        org_id=org_id,
        name=f"{org_id.title()} Schools",
        schools=[f"{org_id}-s1"],
        student_id_field=student_id_field,
    )
    OrgStore().create(org)
    return org


def registration_url(stack, org_id: str, seconds: int = 3600) -> str:
    actor = Actor.operator("platform registration-url")
    return issue_registration_url(org_id, stack.ports.tool_url, seconds=seconds, actor=actor).url


REGISTRATION_TOKEN = "platform-registration-token"


def opened(
    url: str, config_url: str | None, registration_token: str | None = REGISTRATION_TOKEN
) -> str:
    """``url`` as an LMS opens it: its own query kept, the two parameters added."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if config_url is not None:
        query.append(("openid_configuration", config_url))
    if registration_token is not None:
        query.append(("registration_token", registration_token))
    return urlunsplit(parts._replace(query=urlencode(query)))


def form_fields(page: str) -> dict[str, str]:
    """The confirmation form's hidden fields (and the checked ``replace`` choice)."""
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    }
    checked = re.search(r'name="replace" value="([^"]*)" checked', page)
    if checked:
        fields["replace"] = html.unescape(checked.group(1))
    return fields


def confirm(stack, page: str, **changes: str) -> requests.Response:
    """Press Register on the confirmation ``page``."""
    data = {**form_fields(page), **changes}
    return requests.post(f"{stack.ports.tool_url}/lti/register", data=data, timeout=30)


def platform_configuration(base_url: str, **changes: Any) -> dict[str, Any]:
    """A valid OpenID configuration of a platform at ``base_url``."""
    config: dict[str, Any] = {
        "issuer": base_url,
        "authorization_endpoint": f"{base_url}/auth",
        "token_endpoint": f"{base_url}/token",
        "jwks_uri": f"{base_url}/jwks",
        "registration_endpoint": f"{base_url}/register",
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        PLATFORM_CONFIGURATION: {
            "product_family_code": "test-lms",
            "version": "1",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest"},
            ],
        },
    }
    config.update(changes)
    return {k: v for k, v in config.items() if v is not None}


def json_reply(status: int, payload: Any) -> Reply:
    return status, {"content-type": "application/json"}, json.dumps(payload).encode()


class ScriptedPlatform:
    """An LMS on 127.0.0.1 whose answers are ``routes``: (method, path) → a function of
    (headers, body) giving (status, headers, body). Requests are kept in ``seen``."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Callable[[dict, bytes], Reply]] = {}
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def config_url(self) -> str:
        return self.base_url + CONFIG_PATH

    def serve_config(self, **changes: Any) -> dict[str, Any]:
        config = platform_configuration(self.base_url, **changes)
        self.routes[("GET", CONFIG_PATH)] = lambda h, b: json_reply(200, config)
        return config

    def answer_registration(self, client_id: str = "client-7", deployment_id: str | None = "d-7"):
        def reply(headers: dict, body: bytes) -> Reply:
            request = json.loads(body)
            lti = dict(request.get(TOOL_CONFIGURATION) or {})
            if deployment_id is not None:
                lti["deployment_id"] = deployment_id
            return json_reply(200, {**request, "client_id": client_id, TOOL_CONFIGURATION: lti})

        self.routes[("POST", "/register")] = reply

    def registrations(self) -> list[tuple[dict[str, str], dict]]:
        return [(h, json.loads(b)) for m, p, h, b in self.seen if (m, p) == ("POST", "/register")]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = urlsplit(self.path).path
                platform.seen.append((self.command, path, headers, body))
                route = platform.routes.get((self.command, path))
                status, out_headers, out = (
                    route(headers, body) if route else json_reply(404, {"error": "not found"})
                )
                self.send_response(status)
                for name, value in out_headers.items():
                    self.send_header(name, value)
                if "content-length" not in {k.lower() for k in out_headers}:
                    self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = _serve

        return Handler


@contextmanager
def scripted_platform() -> Iterator[ScriptedPlatform]:
    platform = ScriptedPlatform()
    threading.Thread(target=platform.server.serve_forever, daemon=True).start()
    try:
        yield platform
    finally:
        platform.server.shutdown()
        platform.server.server_close()
