"""The demo LMS's AGS service alone on a ``ThreadingHTTPServer`` (tests, benchmarks):
``python -m local.demo_lms.ags_server --jwks URL [--port N]``."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.demo_lms.ags import AgsService, Faults


class AgsServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, service: AgsService, port: int) -> None:
        self.service = service
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: AgsServer
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload = self.server.service.handle(
            self.command, self.path, dict(self.headers.items()), body
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, *_: Any) -> None:  # quiet: tests and benchmarks read the data
        pass


def serve(service: AgsService, port: int = 0) -> AgsServer:
    """Run ``service`` on 127.0.0.1 (a free port by default) in a daemon thread."""
    server = AgsServer(service, port)
    threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="demo-lms-ags",
        daemon=True,
    ).start()
    return server


def main(argv: list[str] | None = None) -> None:
    """Run the AGS service alone: ``python -m local.demo_lms.ags_server --jwks URL [--port N]``.
    Prints ``ready <base_url>`` when it listens (benchmarks run the LMS as its own process)."""
    import argparse

    parser = argparse.ArgumentParser(prog="local.demo_lms.ags_server")
    parser.add_argument("--jwks", required=True, help="the tool's JWKS URL")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-id", action="append", dest="client_ids")
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args(argv)
    service = AgsService(
        args.jwks,
        client_ids=set(args.client_ids) if args.client_ids else None,
        faults=Faults(latency_ms=args.latency_ms),
    )
    server = AgsServer(service, args.port)
    print(f"ready {server.base_url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
