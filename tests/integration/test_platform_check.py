"""``coursebridge platform check``: a token request and a line-items read against the
demo LMS's AGS service, each way it can fail named (clock skew, wrong token URL, tool
key not registered in the LMS, missing scope)."""

from __future__ import annotations

import re
import time

import pytest

from coursebridge.cli import main
from coursebridge.keyring import active_signing_key_id
from coursebridge.lti.platform_check import check_connection
from coursebridge.signing import KmsSigner
from coursebridge.store.platforms import PlatformRegistration, PlatformStore
from local.demo_lms.ags import Faults
from local.demo_lms.ags_faults import error_reply
from local.servers import free_port
from tests.integration.release_seed import CLIENT_ID, ISSUER, running_lms, seed_platform

pytestmark = pytest.mark.integration

SCORE_ONLY = ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]


@pytest.fixture
def lms(stack):
    with running_lms(stack) as lms:
        seed_platform(lms)
        yield lms


def _check(capsys, *extra: str) -> tuple[int, str]:
    code = main(["platform", "check", "--issuer", ISSUER, "--client-id", CLIENT_ID, *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _use_token_url(url: str) -> None:
    store = PlatformStore()
    registration = store.get(ISSUER, CLIENT_ID)
    assert registration is not None
    store.remove(ISSUER, CLIENT_ID)
    store.add(
        PlatformRegistration.model_validate({**registration.model_dump(), "auth_token_url": url})
    )


def test_a_working_connection_gets_a_token_and_reads_the_line_items(lms, capsys):
    lms.service.ensure_line_item(lms.base_url, "course-101", "rl-1", "Essay 1", 10)
    code, out = _check(capsys, "--lineitems", lms.lineitems)
    assert code == 0, out
    assert "token: ok" in out and "granted lineitem, lineitem.readonly" in out
    assert f"line items: ok — {lms.lineitems}: 1 line item(s)" in out


def test_without_a_line_items_url_only_the_token_is_tried(lms, capsys):
    code, out = _check(capsys)
    assert code == 0, out
    assert "line items: not read — pass --lineitems" in out


@pytest.mark.parametrize(
    ("faults", "problem", "words"),
    [
        ({"clock_offset_seconds": 900}, "clock skew", "expired"),
        ({"clock_offset_seconds": -900}, "clock skew", "not yet valid"),
        ({"forget_tool_key": True}, "tool key not registered in the LMS", "JWKS URL"),
        ({"grant_scopes": []}, "missing scope", "invalid_scope"),
        ({"grant_scopes": SCORE_ONLY}, "missing scope", "needs lineitem or lineitem.readonly"),
    ],
    ids=["lms-clock-ahead", "lms-clock-behind", "key-unknown", "no-scope", "too-few-scopes"],
)
def test_each_token_failure_is_named(lms, capsys, faults, problem, words):
    lms.service.faults = Faults.from_json(faults)
    code, out = _check(capsys, "--lineitems", lms.lineitems)
    assert code == 1
    assert f"token: FAILED: {problem} — " in out and words in out, out
    assert "line items:" not in out  # no token, no read


@pytest.mark.parametrize(
    "path", ["/tokens", "/gradebook/data.json"], ids=["not-found", "not-a-token-endpoint"]
)
def test_a_wrong_token_url_is_named(lms, capsys, path):
    _use_token_url(f"{lms.base_url}{path}")
    code, out = _check(capsys)
    assert code == 1
    assert "token: FAILED: wrong token URL" in out, out


def test_a_token_url_where_nothing_listens_is_named(lms, capsys):
    _use_token_url(f"http://127.0.0.1:{free_port()}/token")
    code, out = _check(capsys)
    assert code == 1
    assert "token: FAILED: wrong token URL" in out, out


def test_our_own_clock_off_is_named_from_the_lms_date_header(lms):
    lms.service.faults = Faults()
    registration = PlatformStore().get(ISSUER, CLIENT_ID)
    assert registration is not None
    signer = KmsSigner(active_signing_key_id())
    (step,) = check_connection(registration, signer.sign_jwt, clock=lambda: time.time() + 1200)
    assert (step.ok, step.problem) == (False, "clock skew")
    assert re.search(r"the LMS's clock is 120[01] s behind this machine's", step.detail)


def test_a_line_items_read_refused_for_its_scope_is_named(lms, capsys, monkeypatch):
    def insufficient(*_args, **_kwargs):  # a platform whose token scopes do not cover reads
        return error_reply(403, "insufficient_scope", "the token may not read line items")

    monkeypatch.setattr(lms.service, "_container", insufficient)
    code, out = _check(capsys, "--lineitems", lms.lineitems)
    assert code == 1
    assert "token: ok" in out
    assert "line items: FAILED: missing scope — " in out and "insufficient_scope" in out, out


def test_an_unknown_registration_is_one_line(stack, capsys):
    code, out = _check(capsys)
    assert code == 1
    assert out.strip() == f"coursebridge: no registration of {ISSUER} client {CLIENT_ID}"
