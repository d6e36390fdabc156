"""The demo LMS's platform side of LTI Dynamic Registration 1.0.

- ``GET /.well-known/openid-configuration``: the platform's OpenID configuration (its
  endpoints, scopes, claims and LTI messages);
- ``GET /dynamic-registration``: a page that opens the tool's registration URL in a
  frame, with ``openid_configuration`` and a fresh ``registration_token``, and listens
  for the tool's ``org.1edtech.lti.close`` message; the registration URL comes from the
  local stack (``DemoLms.registration_urls``, which local/demo_lms/setup.py sets to
  issue one for the demo organization), so nobody types a URL;
- ``POST /register``: the registration endpoint. It accepts a registration only with a
  registration token it issued (Bearer, unexpired, once), checks the tool's request and
  answers with a new client id and deployment id; from then on the demo LMS launches the
  tool as that client (``DemoPlatform.install``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from local.demo_lms import pages

if TYPE_CHECKING:
    from local.demo_lms.server import DemoLms

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
PATHS = ("/.well-known/openid-configuration", "/dynamic-registration", "/register")
TOKEN_SECONDS = 3600
SCOPES = [
    "openid",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]

START = """
<p><a href="/">← back</a></p>
<h1>Install a tool by Dynamic Registration</h1>
{% if not url %}<p>No registration URL: start the demo with <code>make dev</code>, or
ask the tool for one (<code>coursebridge platform registration-url --org demo</code>).</p>
{% else %}<p>The tool's registration page, as an LMS shows it:</p>
<iframe id="registration" name="registration" title="tool registration" src="{{ url }}"></iframe>
<script type="application/json" id="cfg">{{ config|tojson }}</script>
<script>
// Dynamic Registration (platform side): the tool says it is done; close and go back.
(function () {
  var cfg = JSON.parse(document.getElementById("cfg").textContent);
  window.addEventListener("message", function (event) {
    if (event.origin !== cfg.toolOrigin || !event.data) return;
    if (event.data.subject !== "org.1edtech.lti.close") return;
    document.getElementById("registration").remove();
    window.location.href = "/?registered=1";
  });
})();
</script>{% endif %}
"""


def _json(status: int, payload: object) -> tuple:
    return status, {"content-type": "application/json"}, json.dumps(payload).encode()


def _invalid(description: str) -> tuple:
    return _json(400, {"error": "invalid_client_metadata", "error_description": description})


class DynamicRegistration:
    def __init__(self, lms: DemoLms) -> None:
        self.lms = lms
        self.tokens: dict[str, float] = {}  # registration token → expiry
        self.registrations: list[dict[str, Any]] = []  # what tools registered, in order
        self._lock = threading.Lock()

    @property
    def configuration_url(self) -> str:
        return f"{self.lms.base_url}/.well-known/openid-configuration"

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple:
        if path == PATHS[0] and method == "GET":
            return _json(200, self.openid_configuration())
        if path == PATHS[1] and method == "GET":
            return self._start()
        if path == PATHS[2] and method == "POST":
            return self.register(headers, body)
        return _json(404, {"error": "not found"})

    def openid_configuration(self) -> dict[str, Any]:
        p = self.lms.platform
        return {
            "issuer": p.issuer,
            "authorization_endpoint": p.auth_login_url,
            "token_endpoint": p.token_url,
            "jwks_uri": p.jwks_url,
            "registration_endpoint": f"{self.lms.base_url}/register",
            "scopes_supported": SCOPES,
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["iss", "sub", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIGURATION: {
                "product_family_code": "coursebridge-demo",
                "version": "1.0",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
                ],
                "variables": ["Person.sourcedId", "Context.id", "ResourceLink.id"],
            },
        }

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = time.time() + TOKEN_SECONDS
        return token

    def opening_url(self, registration_url: str) -> str:
        """The tool's registration URL as the LMS opens it (its own query kept)."""
        parts = urlsplit(registration_url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        query += [
            ("openid_configuration", self.configuration_url),
            ("registration_token", self.issue_token()),
        ]
        return urlunsplit(parts._replace(query=urlencode(query)))

    def _start(self) -> tuple:
        source = self.lms.registration_urls
        url = self.opening_url(source()) if source else ""
        tool_origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.lms.platform.tool_url))
        body = pages.page(
            "Dynamic Registration", START, url=url, config={"toolOrigin": tool_origin}
        )
        return 200, {"content-type": "text/html; charset=utf-8"}, body.encode()

    # ---------------------------------------------------------------- the endpoint
    def _take_token(self, headers: dict[str, str]) -> bool:
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        with self._lock:
            expiry = self.tokens.pop(token, None)  # once
        return expiry is not None and expiry > time.time()

    def register(self, headers: dict[str, str], body: bytes) -> tuple:
        if not self._take_token(headers):
            return _json(401, {"error": "invalid_token", "error_description": "bad token"})
        try:
            request = json.loads(body)
        except ValueError:
            return _invalid("the body is not JSON")
        problem = registration_problem(request)
        if problem:
            return _invalid(problem)
        client_id = f"dr-{secrets.token_hex(6)}"
        deployment_id = f"dr-deployment-{secrets.token_hex(4)}"
        self.lms.platform.install(client_id, deployment_id, request)
        service = self.lms.ags()
        if service is not None and service.client_ids is not None:
            service.client_ids.add(client_id)
        with self._lock:
            self.registrations.append({**request, "client_id": client_id})
        answer = {
            **request,
            "client_id": client_id,
            TOOL_CONFIGURATION: {**request[TOOL_CONFIGURATION], "deployment_id": deployment_id},
        }
        return _json(200, answer)


def registration_problem(request: Any) -> str | None:
    """What a registration request lacks (None: it is one this platform accepts)."""
    if not isinstance(request, dict):
        return "the registration must be a JSON object"
    lti = request.get(TOOL_CONFIGURATION)
    expected = {
        "application_type": "web",
        "token_endpoint_auth_method": "private_key_jwt",
    }
    for name, value in expected.items():
        if request.get(name) != value:
            return f"{name} must be {value!r}"
    if not {"implicit", "client_credentials"} <= set(request.get("grant_types") or []):
        return "grant_types must include implicit and client_credentials"
    if "id_token" not in (request.get("response_types") or []):
        return "response_types must include id_token"
    for name in ("initiate_login_uri", "jwks_uri"):
        if not str(request.get(name) or "").startswith(("https://", "http://")):
            return f"{name} must be a URL"
    if not request.get("redirect_uris"):
        return "redirect_uris is required"
    if not isinstance(lti, dict) or not lti.get("target_link_uri") or not lti.get("domain"):
        return f"{TOOL_CONFIGURATION} needs domain and target_link_uri"
    types = {m.get("type") for m in lti.get("messages") or [] if isinstance(m, dict)}
    if "LtiResourceLinkRequest" not in types:
        return "messages must include LtiResourceLinkRequest"
    return None
