"""Which origins a registration vouches for: framing and Deep Linking return URLs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coursebridge.lti.platform_origins import platform_origins, return_url_problem
from coursebridge.store.platforms import PlatformRegistration


def canvas(**extra) -> PlatformRegistration:
    return PlatformRegistration(
        issuer="https://canvas.instructure.com",
        client_id="10000000000001",
        deployment_ids=["1:abc"],
        auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
        auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
        jwks_url="https://sso.canvaslms.com/api/lti/security/jwks",
        org_id="acme",
        **extra,
    )


def test_canvas_cloud_school_pages_may_frame_us_and_receive_deep_links():
    sources = platform_origins(canvas())
    assert "https://canvas.instructure.com" in sources
    assert "https://*.instructure.com" in sources and "https://*.canvaslms.com" in sources
    url = "https://school.instructure.com/courses/1/deep_linking_response?modal=true"
    assert return_url_problem(url, canvas()) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("javascript:alert(document.cookie)", "must be https"),
        ("data:text/html,<script>1</script>", "must be https"),
        ("http://school.instructure.com/return", "must be https"),
        ("https://attacker.example/return", "not on the platform's registered host"),
        ("https://instructure.com.attacker.example/x", "not on the platform's registered host"),
    ],
)
def test_a_return_url_off_the_lms_or_of_another_scheme_is_refused(url, why, monkeypatch):
    monkeypatch.delenv("OUTBOUND_ALLOW_LOOPBACK", raising=False)  # as in Lambda
    assert why in (return_url_problem(url, canvas()) or "")


def test_a_school_domain_is_vouched_for_only_once_listed():
    url = "https://lms.school.edu/deep_link_return"
    assert "not on the platform's registered host" in (return_url_problem(url, canvas()) or "")
    listed = canvas(lms_origins=["https://lms.school.edu"])
    assert return_url_problem(url, listed) is None
    assert "https://lms.school.edu" in platform_origins(listed)


@pytest.mark.parametrize("origin", ["lms.school.edu", "ftp://lms.school.edu", "https://x/y"])
def test_lms_origins_are_origins(origin):
    with pytest.raises(ValidationError):
        canvas(lms_origins=[origin])
