"""Platform URLs follow the outbound policy: refused when a registration is added, and
refused again when the product fetches them (a launch fetching the JWKS, over HTTP)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from coursebridge.cli import main
from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore

pytestmark = pytest.mark.integration

METADATA_JWKS = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


def _platform_add(capsys, **urls: str) -> tuple[int, str]:
    OrgStore().create(Org(org_id="acme", name="Acme"))
    args = {
        "auth-login-url": "https://lms.example.edu/auth",
        "auth-token-url": "https://lms.example.edu/token",
        "jwks-url": "https://lms.example.edu/jwks",
        **urls,
    }
    argv = ["platform", "add", "--org", "acme", "--issuer", "https://lms.example.edu"]
    argv += ["--client-id", "c-1", "--deployment-id", "d-1"]
    for name, value in args.items():
        argv += [f"--{name}", value]
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("field", "url", "says"),
    [
        ("jwks-url", METADATA_JWKS, "169.254.169.254 is a link-local address"),
        ("jwks-url", "https://169.254.169.254/latest/meta-data/", "link-local"),
        ("jwks-url", "https://10.0.0.7/jwks", "private"),
        ("auth-token-url", "https://[::ffff:169.254.169.254]/token", "link-local"),
        ("auth-login-url", "http://lms.example.edu/auth", "must be https"),
        ("jwks-url", "https://0.0.0.0/jwks", "unspecified"),
    ],
)
def test_platform_add_refuses_urls_we_would_not_fetch(stack, capsys, field, url, says):
    code, err = _platform_add(capsys, **{field: url})
    assert code == 1
    assert err.count("\n") == 1 and err.startswith(f"coursebridge: invalid {field}")
    assert says in err
    assert PlatformStore().for_issuer("https://lms.example.edu") == []


def _register(lms, org_id: str, jwks_url: str) -> None:
    """The demo LMS's registration with another JWKS URL, stored as an older release
    (or a hand-made item) could have stored it: the fetch must refuse it by itself."""
    config = lms.config()
    with contextlib.suppress(Exception):
        OrgStore().create(Org(org_id=org_id, name="Demo"))
    PlatformStore().add(
        PlatformRegistration.model_validate(
            {
                "issuer": config["issuer"],
                "client_id": config["client_id"],
                "deployment_ids": [config["deployment_id"]],
                "auth_login_url": config["auth_login_url"],
                "auth_token_url": config["auth_token_url"],
                "jwks_url": jwks_url,
                "org_id": org_id,
            },
            context={"stored": True},
        )
    )
    forget_cached_config()


def _launch(stack, lms):
    from tests.lti_support import ToolClient

    return ToolClient(stack.ports.tool_url, lms).full_launch("teacher")


def test_a_launch_refuses_a_link_local_jwks_url_when_fetching(stack, lms):
    _register(lms, "demo", METADATA_JWKS)
    response = _launch(stack, lms)
    assert response.status_code == 400, response.text
    assert 'data-check="jwks"' in response.text
    assert "169.254.169.254 is a link-local address" in response.text


@contextlib.contextmanager
def _redirecting_to(location: str) -> Iterator[str]:
    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("location", location)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks"
    finally:
        server.shutdown()
        server.server_close()


def test_a_launch_does_not_follow_a_redirect_of_the_jwks(stack, lms):
    with _redirecting_to(lms.platform.jwks_url) as jwks_url:
        _register(lms, "demo", jwks_url)
        response = _launch(stack, lms)
    assert response.status_code == 400, response.text
    assert 'data-check="jwks"' in response.text
    assert "answered 302" in response.text and jwks_url in response.text
