"""The whole system on one machine: DynamoDB Local, moto server, the template's
resources, the API Gateway adapter and the SQS pollers, all wired from template.yaml."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from local.apigw import Route
from local.environment import (
    Ports,
    aws_environment,
    function_environment,
    local_only_environment,
)
from local.http_server import ApiGateway, serve_in_thread
from local.provision import Provisioner
from local.runtime import FunctionRunner
from local.servers import ManagedProcess, start_dynamodb_local, start_moto_server
from local.sqs_poller import SqsPoller
from local.template import Template

log = logging.getLogger("coursebridge.local")


def _clear_process_caches() -> None:
    """Settings and clients are cached per process, as in Lambda; a new stack means
    new endpoints and resource ids."""
    from coursebridge import aws
    from coursebridge.settings import get_settings

    get_settings.cache_clear()
    aws.reset()


class LocalStack:
    def __init__(
        self,
        ports: Ports,
        *,
        log_dir: Path | None = None,
        http: bool = True,
        pollers: bool = True,
        demo_lms: bool = False,
    ) -> None:
        self.ports = ports
        self.log_dir = log_dir
        self.with_http = http
        self.with_pollers = pollers
        self.with_demo_lms = demo_lms
        self.demo_lms = None  # local.demo_lms.DemoLms when started
        self.extra_urls: dict[str, str] = {}
        self.template = Template()
        self.processes: list[ManagedProcess] = []
        self.servers: list = []
        self.pollers: dict[str, SqsPoller] = {}
        self.runners: dict[str, FunctionRunner] = {}
        self.provisioner: Provisioner | None = None
        self.environment: dict[str, str] = {}
        self._on_stop: list[Callable[[], None]] = []

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes.append(start_dynamodb_local(self.ports.dynamodb, self.log_dir))
        self.processes.append(start_moto_server(self.ports.moto, self.log_dir))
        self.provisioner = Provisioner(self.template, self.ports.moto_url, self.ports.dynamodb_url)
        self.provisioner.provision_all()
        self.environment = {
            **aws_environment(self.ports),
            **function_environment(self.template),
            **local_only_environment(),
            "CB_TOOL_URL": self.ports.tool_url,
            "PUBLIC_BASE_URL": self.ports.tool_url,
        }
        os.environ.update(self.environment)
        _clear_process_caches()
        self.runners = {spec.logical_id: FunctionRunner(spec) for spec in self.template.functions()}
        if self.with_http:
            self.start_http()
        if self.with_pollers:
            self.start_pollers()
        if self.with_demo_lms:
            self.start_demo_lms()

    def start_demo_lms(self) -> None:
        """Serve the demo LMS on ports.demo_lms and register it (org ``demo``)."""
        from local.demo_lms import DemoLms
        from local.demo_lms.setup import register_demo

        self.demo_lms = DemoLms(self.ports.demo_lms, self.ports.tool_url).start()
        register_demo(self.demo_lms)
        self.extra_urls["demo-lms"] = self.demo_lms.base_url + "/"

    def start_http(self) -> None:
        routes = [Route(r.method, r.path, r.function) for r in self.template.http_routes()]
        server = ApiGateway(routes, self.runners).make_server(self.ports.http)
        serve_in_thread(server, "api-gateway")
        self.servers.append(server)

    def make_pollers(self) -> dict[str, SqsPoller]:
        sqs = self.provisioner.sqs if self.provisioner else None
        pollers = {}
        for source in self.template.sqs_sources():
            queue = self.template.physical[source.queue]
            pollers[source.function] = SqsPoller(
                sqs, source, queue["Ref"], queue["Arn"], self.runners[source.function]
            )
        return pollers

    def start_pollers(self) -> None:
        self.pollers = self.make_pollers()
        for poller in self.pollers.values():
            poller.start()

    def on_stop(self, callback: Callable[[], None]) -> None:
        self._on_stop.append(callback)

    def stop(self) -> None:
        for callback in reversed(self._on_stop):
            callback()
        for poller in self.pollers.values():
            poller.stop()
        if self.demo_lms is not None:
            self.demo_lms.stop()
            self.demo_lms = None
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        self.servers.clear()

    # ---------------------------------------------------------------- test support
    def reset(self) -> None:
        """Empty every table, queue and bucket so a test starts from a clean slate."""
        assert self.provisioner is not None
        self.provisioner.reset_tables()
        self.provisioner.reset_queues()
        self.provisioner.empty_buckets()

    def resource(self, logical_id: str, attribute: str = "Ref") -> str:
        return self.template.physical[logical_id][attribute]
