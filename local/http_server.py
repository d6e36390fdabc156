"""The local API Gateway: an HTTP server on 127.0.0.1 that calls the real handlers."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from local.apigw import Route, build_event, parse_result, pick_route
from local.runtime import FunctionRunner

log = logging.getLogger("coursebridge.local.http")


class ApiGateway:
    """Routes requests to functions exactly as the template's HttpApi events declare."""

    def __init__(self, routes: list[Route], runners: dict[str, FunctionRunner]) -> None:
        self.routes = routes
        self.runners = runners
        self.extra_handlers: dict[str, object] = {}

    def make_server(self, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
        gateway = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: object) -> None:
                log.debug("%s " + fmt, self.address_string(), *args)

            def _serve(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                found = pick_route(gateway.routes, self.command, split.path)
                if found is None:
                    self._reply(
                        404, [("content-type", "application/json")], b'{"message":"Not Found"}'
                    )
                    return
                route, params = found
                event = build_event(
                    method=self.command,
                    raw_path=split.path,
                    raw_query=split.query,
                    headers=list(self.headers.items()),
                    body=body,
                    route=route,
                    path_parameters=params,
                    source_ip=self.client_address[0],
                    domain_name=self.headers.get("host", f"{host}:{port}"),
                )
                try:
                    result = gateway.runners[route.target].invoke(event)
                    response = parse_result(result)
                except Exception:  # a crashed handler is a 500 from API Gateway too
                    log.exception("handler %s failed", route.target)
                    self._reply(
                        500,
                        [("content-type", "application/json")],
                        b'{"message":"Internal Server Error"}',
                    )
                    return
                self._reply(response.status, response.headers, response.body)

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

        server = ThreadingHTTPServer((host, port), RequestHandler)
        server.daemon_threads = True
        return server


def serve_in_thread(server: ThreadingHTTPServer, name: str) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    return thread
