"""HTTP server of the demo LMS (127.0.0.1; visited as http://localhost:<port>)."""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import threading
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt

from local.demo_lms import pages
from local.demo_lms.platform import (
    ACTIVITIES,
    COURSES,
    PEOPLE,
    AuthRequestError,
    DemoPlatform,
)
from local.demo_lms.registration import PATHS as REGISTRATION_PATHS
from local.demo_lms.registration import DynamicRegistration

log = logging.getLogger("coursebridge.demo_lms")

AGS_PREFIXES = ("/token", "/ags/", "/gradebook")
NRPS_PREFIXES = ("/nrps/", "/roster")
PNS_PREFIX = "/pns/"
DL_RESPONSE = "LtiDeepLinkingResponse"


class DemoLms:
    """The demo platform and its HTTP server."""

    def __init__(self, port: int, tool_url: str, host: str = "localhost") -> None:
        self.port = port
        self.base_url = f"http://{host}:{port}"
        self.platform = DemoPlatform(self.base_url, tool_url)
        self.server: ThreadingHTTPServer | None = None
        self._ags: Any = None
        self._nrps: Any = None
        self._pns: Any = None
        self.deep_link_responses: list[dict] = []
        self.dynamic_registration = DynamicRegistration(self)
        # Issues a registration URL of the tool for Dynamic Registration (setup.py).
        self.registration_urls: Callable[[], str] | None = None

    def config(self) -> dict[str, str]:
        p = self.platform
        return {
            "issuer": p.issuer,
            "client_id": p.client_id,
            "deployment_id": p.deployment_id,
            "auth_login_url": p.auth_login_url,
            "auth_token_url": p.token_url,
            "jwks_url": p.jwks_url,
            "tool_login_url": p.tool_login_url,
            "tool_launch_url": p.tool_launch_url,
            "tool_jwks_url": p.tool_jwks_url,
        }

    def ags(self) -> Any | None:
        """``local.demo_lms.ags.AgsService``."""
        if self._ags is None:
            if importlib.util.find_spec("local.demo_lms.ags") is None:
                return None
            service = importlib.import_module("local.demo_lms.ags").AgsService
            self._ags = service(
                self.platform.tool_jwks_url,
                client_ids={self.platform.client_id},
                base_url=self.base_url,
            )
        return self._ags

    def nrps(self) -> Any | None:
        """``local.demo_lms.nrps.NrpsService`` (its tokens come from the AGS service)."""
        if self._nrps is None:
            ags = self.ags()
            if ags is None:
                return None
            from local.demo_lms.nrps import NrpsService

            self._nrps = NrpsService(ags, self.base_url)
        return self._nrps

    def pns(self) -> Any | None:
        """``local.demo_lms.pns.PnsService`` (its tokens come from the AGS service)."""
        if self._pns is None:
            ags = self.ags()
            if ags is None:
                return None
            from local.demo_lms.pns import PnsService

            self._pns = PnsService(ags, self.platform)
            self.platform.notice_claim = self._pns.claim
        return self._pns

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> DemoLms:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="demo-lms", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # ---------------------------------------------------------------- routes
    def route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple:
        split = urlsplit(path)
        if split.path.startswith(AGS_PREFIXES):
            service = self.ags()
            if service is None:
                return _json(404, {"error": "AGS is not available in this demo LMS yet"})
            return service.handle(method, path, headers, body)
        if split.path in REGISTRATION_PATHS:
            return self.dynamic_registration.handle(method, split.path, headers, body)
        if split.path.startswith(PNS_PREFIX):
            notices = self.pns()
            if notices is None:
                return _json(404, {"error": "notices need the AGS token endpoint"})
            return notices.handle(method, path, headers, body)
        if split.path.startswith(NRPS_PREFIXES):
            roster = self.nrps()
            if roster is None:
                return _json(404, {"error": "Names and Roles need the AGS token endpoint"})
            return roster.handle(method, path, headers, body)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        if method == "POST" and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if split.path == "/" and method == "GET":
            return _html(
                200,
                pages.page(
                    "Launch",
                    pages.PICKER,
                    people=PEOPLE.values(),
                    activities=ACTIVITIES,
                    courses=COURSES,
                    client_id=self.platform.client_id,
                    deployment_id=self.platform.deployment_id,
                    registered=self.dynamic_registration.registrations,
                    tool_url=self.platform.tool_url,
                ),
            )
        if split.path == "/course" and method == "GET":
            return self._course(params)
        if split.path == "/auth" and method in ("GET", "POST"):
            return self._auth(params)
        if split.path == "/jwks" and method == "GET":
            return _json(200, self.platform.keys.jwks())
        if split.path == "/config" and method == "GET":
            return _json(200, self.config())
        if split.path == "/deep-link-return" and method == "POST":
            return self._deep_link_return(params)
        return _json(404, {"error": "not found"})

    def _course(self, params: dict[str, str]) -> tuple:
        person = PEOPLE.get(params.get("person", ""))
        activity = params.get("activity", "cells")
        message_type = params.get("type", "LtiResourceLinkRequest")
        course_key = params.get("course", "bio")
        if person is None or activity not in ACTIVITIES or course_key not in COURSES:
            return _html(400, pages.page("Bad request", pages.MESSAGE, heading="Unknown choice"))
        login_url = self.platform.login_initiation_url(
            person.key,
            activity,
            message_type,
            storage=params.get("storage", "1") == "1",
            course=course_key,
        )
        course = COURSES[course_key]
        tool_origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.platform.tool_url))
        return _html(
            200,
            pages.page(
                course["title"],
                pages.COURSE,
                course=course,
                activity_title=ACTIVITIES[activity],
                person=person,
                login_url=login_url,
                config={"toolOrigin": tool_origin},
            ),
        )

    def _auth(self, params: dict[str, str]) -> tuple:
        try:
            action, id_token = self.platform.authorize(params)
        except AuthRequestError as error:
            if not error.can_redirect:
                heading = "Login request rejected"
                return _html(
                    400, pages.page(heading, pages.MESSAGE, heading=heading, text=str(error))
                )
            fields = {"error": error.error, "error_description": error.description}
            if params.get("state"):
                fields["state"] = params["state"]
            action = self.platform.tool_launch_url
            return _html(200, pages.page("Login", pages.FORM_POST, action=action, fields=fields))
        fields = {"id_token": id_token}
        if params.get("state"):
            fields["state"] = params["state"]
        return _html(200, pages.page("Login", pages.FORM_POST, action=action, fields=fields))

    def _deep_link_return(self, params: dict[str, str]) -> tuple:
        """Verify the tool's LtiDeepLinkingResponse with the tool's JWKS."""
        token = params.get("JWT", "")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            with urllib.request.urlopen(self.platform.tool_jwks_url, timeout=5) as response:  # noqa: S310 - the tool's JWKS URL we configured
                jwks = json.loads(response.read())
            key = next(k for k in jwks["keys"] if k.get("kid") == kid)
            claims = jwt.decode(
                token,
                jwt.algorithms.RSAAlgorithm.from_jwk(key),
                algorithms=["RS256"],
                audience=self.platform.issuer,
            )
        except (jwt.PyJWTError, StopIteration, OSError, ValueError, KeyError) as error:
            heading = "Deep linking response rejected"
            return _html(400, pages.page(heading, pages.MESSAGE, heading=heading, text=repr(error)))
        if claims.get("https://purl.imsglobal.org/spec/lti/claim/message_type") != DL_RESPONSE:
            heading = "Deep linking response rejected"
            text = "wrong message_type"
            return _html(400, pages.page(heading, pages.MESSAGE, heading=heading, text=text))
        self.deep_link_responses.append(claims)
        items = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/content_items", [])
        return _html(
            200,
            pages.page(
                "Activity added",
                pages.MESSAGE,
                heading="Activity added",
                text=f"The tool returned {len(items)} item(s).",
                items=json.dumps(items, indent=2),
            ),
        )


def _html(status: int, body: str) -> tuple:
    return status, {"content-type": "text/html; charset=utf-8"}, body.encode()


def _json(status: int, payload: object) -> tuple:
    return status, {"content-type": "application/json"}, json.dumps(payload).encode()


def _handler(lms: DemoLms) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: object) -> None:
            log.debug(fmt, *args)

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                status, out_headers, out = lms.route(self.command, self.path, headers, body)
            except Exception:  # a demo page must answer, even when it has a bug
                log.exception("demo LMS failed on %s %s", self.command, self.path)
                status, out_headers, out = _json(500, {"error": "demo LMS error"})
            self.send_response(status)
            for name, value in out_headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler
