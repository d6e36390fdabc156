"""The environment that points coursebridge code at the local servers."""

from __future__ import annotations

import os
from dataclasses import dataclass

from coursebridge.outbound.policy import LOOPBACK_SETTING
from local.template import Template, local_name

DEFAULT_HTTP_PORT = 3000
DEFAULT_MOTO_PORT = 5000
DEFAULT_DYNAMODB_PORT = 8000
DEFAULT_DEMO_LMS_PORT = 3001


@dataclass(frozen=True)
class Ports:
    http: int
    moto: int
    dynamodb: int
    demo_lms: int

    @classmethod
    def from_env(cls) -> Ports:
        return cls(
            http=int(os.environ.get("CB_HTTP_PORT", DEFAULT_HTTP_PORT)),
            moto=int(os.environ.get("CB_MOTO_PORT", DEFAULT_MOTO_PORT)),
            dynamodb=int(os.environ.get("CB_DYNAMODB_PORT", DEFAULT_DYNAMODB_PORT)),
            demo_lms=int(os.environ.get("CB_DEMO_LMS_PORT", DEFAULT_DEMO_LMS_PORT)),
        )

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto}"

    @property
    def dynamodb_url(self) -> str:
        return f"http://127.0.0.1:{self.dynamodb}"

    @property
    def tool_url(self) -> str:
        return f"http://127.0.0.1:{self.http}"


def aws_environment(ports: Ports) -> dict[str, str]:
    """Credentials, region and endpoints for boto3 (the standard AWS_ENDPOINT_URL_* vars)."""
    return {
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": ports.moto_url,
        "AWS_ENDPOINT_URL_DYNAMODB": ports.dynamodb_url,
    }


def local_only_environment() -> dict[str, str]:
    """Settings only the local stack has: its platforms (the demo LMS, test LMSs) are
    http servers on 127.0.0.1, which the outbound policy refuses everywhere else."""
    return {LOOPBACK_SETTING: "true"}


def function_environment(template: Template) -> dict[str, str]:
    """Every function's variables, resolved against the provisioned resources.

    All functions run in one local process, so their environments are merged;
    template.yaml keeps them in Globals, so they agree.
    """
    merged: dict[str, str] = {}
    for spec in template.functions():
        merged.update(template.function_environment(spec))
    return merged


def cli_environment(ports: Ports) -> dict[str, str]:
    """What the admin CLI needs to reach an already running local stack.

    Names are deterministic (``local_name``); the KMS key is reached by its alias and
    the secret by its name, both of which KMS and Secrets Manager accept as ids.
    """
    template = Template()
    env = {**aws_environment(ports), **local_only_environment()}
    names = {logical: local_name(logical) for logical in template.resources}
    queue_url = f"{ports.moto_url}/123456789012/" + "{}"
    env.update(
        {
            "USERS_TABLE": names["UsersTable"],
            "APP_TABLE": names["AppTable"],
            "IMPORTS_BUCKET": names["ImportsBucket"],
            "IMPORT_QUEUE_URL": queue_url.format(names["ImportQueue"]),
            "RELEASE_QUEUE_URL": queue_url.format(names["ReleaseQueue"]),
            "SIGNING_KEY_ID": "alias/coursebridge-local-lti-signing",
            "SESSION_SECRET_ARN": names["SessionSecret"],
            "SENDER_EMAIL": template.parameter_default("SenderEmail"),
            "PUBLIC_BASE_URL": ports.tool_url,
        }
    )
    return env
