"""Helpers for LTI tests: a demo platform with a live JWKS, and an HTTP client that
walks login → launch against the local stack (cookies handled by hand: the state
cookie is Secure and the local stack speaks HTTP, so a cookie jar would drop it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import requests

from coursebridge.lti.tool_config import forget_cached_config
from local.demo_lms import DemoLms
from local.demo_lms.platform import PEOPLE
from local.demo_lms.setup import register_demo


@dataclass
class Login:
    state: str
    nonce: str
    cookies: dict[str, str]
    response: requests.Response

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def set_cookies(response: requests.Response) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in response.raw.headers.getlist("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header.replace("; Partitioned", ""))
        for name, morsel in parsed.items():
            jar[name] = morsel.value
    return jar


class ToolClient:
    def __init__(self, tool_url: str, lms: DemoLms) -> None:
        self.tool_url = tool_url
        self.lms = lms

    def login(self, person: str = "teacher", method: str = "GET", **overrides: str) -> Login:
        p = self.lms.platform
        params = {
            "iss": p.issuer,
            "login_hint": person,
            "target_link_uri": p.tool_launch_url,
            "client_id": p.client_id,
            "lti_deployment_id": p.deployment_id,
            **overrides,
        }
        params = {k: v for k, v in params.items() if v is not None}
        url = f"{self.tool_url}/lti/login"
        if method == "GET":
            response = requests.get(url, params=params, allow_redirects=False, timeout=10)
        else:
            response = requests.post(url, data=params, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["location"]).query)
        return Login(query["state"][0], query["nonce"][0], set_cookies(response), response)

    def launch(
        self, id_token: str, state: str, cookie_header: str = "", **extra: str
    ) -> requests.Response:
        headers = {"cookie": cookie_header} if cookie_header else {}
        return requests.post(
            f"{self.tool_url}/lti/launch",
            data={"id_token": id_token, "state": state, **extra},
            headers=headers,
            allow_redirects=False,
            timeout=10,
        )

    def claims(self, login: Login, person: str = "teacher", **kw: str) -> dict:
        return self.lms.platform.id_token_claims(
            PEOPLE[person],
            kw.get("activity", "cells"),
            kw.get("message_type", "LtiResourceLinkRequest"),
            login.nonce,
            course=kw.get("course", "bio"),
        )

    def full_launch(self, person: str = "teacher", **kw: str) -> requests.Response:
        login = self.login(person)
        token = self.lms.platform.keys.sign(self.claims(login, person, **kw))
        return self.launch(token, login.state, login.cookie_header)


def registered(stack, lms: DemoLms) -> ToolClient:
    forget_cached_config()
    register_demo(lms)
    return ToolClient(stack.ports.tool_url, lms)


class LogCapture(logging.Handler):
    """Collects the records of the ``coursebridge`` Powertools loggers."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def reasons(self) -> list[str]:
        return [getattr(r, "reason", None) for r in self.records if hasattr(r, "reason")]
