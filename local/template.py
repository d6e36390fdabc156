"""Read template.yaml and resolve it for the local stack.

template.yaml is the single source of truth: the local stack creates its tables,
bucket, queues, keys and secrets from the resource definitions found here, and
builds each function's environment and event sources from the same file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"

_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
}


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that turns CloudFormation short tags (!Ref, !Sub…) into dicts."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict:
    name = _SHORT_TAGS.get(tag_suffix, f"Fn::{tag_suffix}")
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE_PATH) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def local_name(logical_id: str) -> str:
    """Deterministic local physical name: ``ImportsBucket`` → ``coursebridge-imports``."""
    stem = re.sub(r"(Table|Bucket|Queue|Secret|Key)$", "", logical_id)
    if logical_id.endswith("DLQ"):
        stem = logical_id[: -len("DLQ")] + "Dlq"
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", stem).lower()
    return f"coursebridge-{kebab}"


@dataclass
class HttpRoute:
    function: str
    method: str
    path: str


@dataclass
class SqsSource:
    function: str
    queue: str
    batch_size: int
    report_batch_item_failures: bool


@dataclass
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    timeout: int
    environment: dict[str, Any] = field(default_factory=dict)


class Template:
    """Resolves the parts of template.yaml that the local stack needs."""

    def __init__(self, raw: dict | None = None) -> None:
        self.raw = raw if raw is not None else load_template()
        self.resources: dict[str, dict] = self.raw["Resources"]
        self.parameters: dict[str, dict] = self.raw.get("Parameters", {})
        self.globals: dict = self.raw.get("Globals", {}).get("Function", {})
        # Filled by the provisioner: logical id → {"Ref": …, "Arn": …, …}
        self.physical: dict[str, dict[str, str]] = {}
        self.pseudo = {
            "AWS::Region": "us-east-1",
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::StackName": "coursebridge-local",
            "AWS::URLSuffix": "amazonaws.com",
        }

    # ---------------------------------------------------------------- queries
    def of_type(self, resource_type: str) -> dict[str, dict]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def functions(self) -> list[FunctionSpec]:
        specs = []
        global_env = self.globals.get("Environment", {}).get("Variables", {})
        for logical_id, res in self.of_type("AWS::Serverless::Function").items():
            props = res["Properties"]
            env = {**global_env, **props.get("Environment", {}).get("Variables", {})}
            specs.append(
                FunctionSpec(
                    logical_id=logical_id,
                    code_uri=ROOT / props["CodeUri"],
                    handler=props.get("Handler", self.globals.get("Handler", "app.handler")),
                    timeout=int(props.get("Timeout", self.globals.get("Timeout", 3))),
                    environment=env,
                )
            )
        return specs

    def http_routes(self) -> list[HttpRoute]:
        routes = []
        for logical_id, res in self.of_type("AWS::Serverless::Function").items():
            for event in res["Properties"].get("Events", {}).values():
                if event["Type"] == "HttpApi":
                    props = event["Properties"]
                    routes.append(HttpRoute(logical_id, props["Method"].upper(), props["Path"]))
        return routes

    def sqs_sources(self) -> list[SqsSource]:
        sources = []
        for logical_id, res in self.of_type("AWS::Serverless::Function").items():
            for event in res["Properties"].get("Events", {}).values():
                if event["Type"] == "SQS":
                    props = event["Properties"]
                    queue_ref = props["Queue"]
                    queue_logical = queue_ref["Fn::GetAtt"][0]
                    sources.append(
                        SqsSource(
                            function=logical_id,
                            queue=queue_logical,
                            batch_size=int(props.get("BatchSize", 10)),
                            report_batch_item_failures="ReportBatchItemFailures"
                            in props.get("FunctionResponseTypes", []),
                        )
                    )
        return sources

    # ---------------------------------------------------------------- resolution
    def parameter_default(self, name: str) -> Any:
        value = self.parameters[name].get("Default")
        if self.parameters[name]["Type"] == "CommaDelimitedList" and isinstance(value, str):
            return [part.strip() for part in value.split(",")]
        return value

    def resolve(self, value: Any) -> Any:
        """Resolve intrinsic functions against local physical ids and parameter defaults."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.resolve(v) for k, v in value.items()}
        ((key, arg),) = value.items()
        if key == "Ref":
            return self._ref(arg)
        if key == "Fn::GetAtt":
            logical, attr = arg
            return self.physical[logical][attr]
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::Join":
            sep, parts = arg
            return sep.join(str(p) for p in self.resolve(parts))
        if key.startswith("Fn::"):
            raise ValueError(f"intrinsic {key} is not supported by the local stack")
        return {key: self.resolve(arg)}

    def _ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameter_default(name)
        if name in self.physical:
            return self.physical[name]["Ref"]
        raise KeyError(f"!Ref {name}: not provisioned locally")

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def replace(match: re.Match) -> str:
            expr = match.group(1)
            if expr in variables:
                return str(self.resolve(variables[expr]))
            if "." in expr and not expr.startswith("AWS::"):
                logical, attr = expr.split(".", 1)
                return str(self.physical[logical][attr])
            return str(self._ref(expr))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def function_environment(self, spec: FunctionSpec) -> dict[str, str]:
        return {k: str(self.resolve(v)) for k, v in spec.environment.items()}
