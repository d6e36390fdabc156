"""The pure parts of launch validation (lti/launch.py): the login is used once, must be
live and for this platform; the browser that logged in must be the one launching; a
platform-storage login without its cookie first fetches the key; the id_token's claims
become ``LaunchClaims`` with every malformed claim named."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from coursebridge.lti import launch
from coursebridge.lti.claims import AGS_CLAIM, CLAIM, DL_SETTINGS_CLAIM
from coursebridge.lti.cookies import ApiGatewayCookieService
from coursebridge.lti.errors import LaunchRejected
from coursebridge.lti.launch_data import LoginState, key_hash
from coursebridge.store.platforms import PlatformRegistration

REGISTRATION = PlatformRegistration(
    registration_id="reg_1",
    issuer="https://lms.example.edu",
    client_id="client-1",
    deployment_ids=["dep-1"],
    auth_login_url="https://auth.lms.example.edu/auth",
    auth_token_url="https://lms.example.edu/token",
    jwks_url="https://lms.example.edu/jwks",
    org_id="acme",
)
LIVE, LONG_AGO = 2**40, 1  # expiry epochs far on either side of any clock


@dataclass
class Request:
    params: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def get_param(self, name: str) -> str:
        return self.params.get(name, "")

    def get_cookie(self, name: str) -> str | None:
        return self.cookies.get(name)


@dataclass
class Logins:
    """A login-state store over a dict: ``consume`` hands a login out once."""

    logins: dict[str, LoginState] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)

    def consume(self, state: str) -> LoginState | None:
        return self.logins.pop(state, None)

    def storage_target(self, state: str) -> str | None:
        return self.targets.get(state)


def _login(expires_at: int = LIVE, **fields) -> LoginState:
    base = {"state": "st-1", "nonce": "n-1", "issuer": REGISTRATION.issuer,
            "client_id": REGISTRATION.client_id, "browser_key_hash": key_hash("browser-key"),
            "storage_target": None}  # fmt: skip
    return LoginState(expires_at=expires_at, **{**base, **fields})


def test_a_login_is_consumed_once():
    store = Logins({"st-1": _login()})
    assert launch._consume_login(store, "st-1", REGISTRATION).nonce == "n-1"
    with pytest.raises(LaunchRejected) as replayed:
        launch._consume_login(store, "st-1", REGISTRATION)
    assert (replayed.value.check, replayed.value.message) == (
        "state", "the state is unknown or was already used (replayed launch)"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("login", "message"),
    [
        pytest.param(_login(LONG_AGO), "the login expired before the launch arrived", id="expired"),
        pytest.param(_login(issuer="https://other.example"),
                     "the state belongs to a login for another platform", id="other-issuer"),
        pytest.param(_login(client_id="client-2"),
                     "the state belongs to a login for another platform", id="other-client"),
    ],
)  # fmt: skip
def test_a_login_must_be_live_and_for_the_platform_that_signed_the_launch(login, message):
    with pytest.raises(LaunchRejected) as refused:
        launch._consume_login(Logins({"st-1": login}), "st-1", REGISTRATION)
    assert (refused.value.check, refused.value.message) == ("state", message)


def _cookies(**cookies: str) -> ApiGatewayCookieService:
    return ApiGatewayCookieService(SimpleNamespace(cookies=cookies))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("presented", "cookies", "message"),
    [
        pytest.param("browser-key", {}, None, id="the-key-of-this-login"),
        pytest.param("browser-key", {"cb_state_other": "x"}, None, id="key-and-other-cookies"),
        pytest.param(None, {}, None, id="a-browser-that-drops-cookies"),
        pytest.param(None, {"cb_session": "x"}, None, id="cookies-but-no-state-cookie"),
        pytest.param("other-key", {}, "the state does not belong to this browser",
                     id="another-browsers-key"),
        pytest.param(None, {"cb_state_other": "x"}, "the state does not match this browser's login",
                     id="another-logins-state-cookie"),
    ],
)  # fmt: skip
def test_the_launching_browser_must_be_the_one_that_logged_in(presented, cookies, message):
    check = lambda: launch._check_browser(  # noqa: E731
        _cookies(**cookies), "st-1", presented, key_hash("browser-key")
    )
    if message is None:
        check()
        return
    with pytest.raises(LaunchRejected) as refused:
        check()
    assert (refused.value.check, refused.value.message) == ("state", message)


@pytest.mark.parametrize(
    ("state", "cookie", "checked", "expected"),
    [
        pytest.param("cbp-1", None, "", True, id="platform-storage-without-cookie"),
        pytest.param("cbp-1", "key", "", False, id="the-cookie-came-back"),
        pytest.param("cbp-1", None, "1", False, id="the-key-was-already-asked-for"),
        pytest.param("cbc-1", None, "", False, id="a-cookie-only-login"),
    ],
)
def test_only_a_platform_storage_login_without_its_cookie_fetches_the_key(
    state, cookie, checked, expected
):
    request = Request({launch.STORAGE_CHECKED_FIELD: checked})
    assert launch._key_is_in_platform_storage(request, state, cookie) is expected  # type: ignore[arg-type]


def test_the_platform_storage_page_asks_the_platforms_frame_for_the_key():
    page = launch._platform_storage_page(
        Logins(targets={"cbp-1": "post_message_forwarding"}), "tok", "cbp-1", REGISTRATION
    )
    assert page == launch.NeedsPlatformStorage(
        id_token="tok", state="cbp-1", target="post_message_forwarding",
        origin="https://auth.lms.example.edu", key="cb_key_cbp-1",
    )  # fmt: skip


def test_the_platform_storage_page_refuses_an_unknown_state():
    with pytest.raises(LaunchRejected) as refused:
        launch._platform_storage_page(Logins(), "tok", "cbp-1", REGISTRATION)
    assert (refused.value.check, refused.value.message) == (
        "state", "the state is unknown or was already used"
    )  # fmt: skip


# ------------------------------------------------------------------ claims
def _token(**overrides) -> dict:
    claims = {
        CLAIM + "deployment_id": "dep-1",
        CLAIM + "message_type": "LtiResourceLinkRequest",
        CLAIM + "target_link_uri": "https://tool.example/lti/launch",
        CLAIM + "roles": ["Learner"],
        "sub": "s-1",
        "email": "ann@school.edu",
        "name": "Ann Lee",
        "given_name": "Ann",
        "family_name": "Lee",
        CLAIM + "context": {"id": "c-1", "title": "Biology", "label": "BIO"},
        CLAIM + "resource_link": {"id": "r-1", "title": "Lab 1"},
        CLAIM + "role_scope_mentor": ["s-2", 7, "s-3"],
        CLAIM + "custom": {"sis_id": "S-1"},
        AGS_CLAIM: {"scope": ["score"], "lineitems": "https://lms.example.edu/li"},
        DL_SETTINGS_CLAIM: {"deep_link_return_url": "https://lms.example.edu/dl"},
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_the_claims_of_a_launch_come_from_the_token_and_the_registration_that_signed_it():
    claims = launch.to_launch_claims(_token(), REGISTRATION)
    assert claims.launch_id.startswith("lch")
    assert (claims.issuer, claims.client_id, claims.registration_id) == (
        "https://lms.example.edu", "client-1", "reg_1"
    )  # fmt: skip
    assert (claims.deployment_id, claims.message_type, claims.target_link_uri) == (
        "dep-1", "LtiResourceLinkRequest", "https://tool.example/lti/launch"
    )  # fmt: skip
    assert (claims.sub, claims.email, claims.name, claims.given_name, claims.family_name) == (
        "s-1", "ann@school.edu", "Ann Lee", "Ann", "Lee"
    )  # fmt: skip
    assert (claims.roles, claims.role_scope_mentor) == (["Learner"], ["s-2", "s-3"])
    assert (claims.context_id, claims.context_title, claims.context_label) == (
        "c-1",
        "Biology",
        "BIO",
    )
    assert (claims.resource_link_id, claims.resource_link_title) == ("r-1", "Lab 1")
    assert claims.custom == {"sis_id": "S-1"}
    assert claims.ags is not None and claims.ags.lineitems == "https://lms.example.edu/li"
    assert claims.ags.scope == ["score"]
    assert claims.deep_linking is not None
    assert claims.deep_linking.deep_link_return_url == "https://lms.example.edu/dl"


def test_every_launch_has_its_own_id():
    assert launch.to_launch_claims(_token(), REGISTRATION).launch_id != (
        launch.to_launch_claims(_token(), REGISTRATION).launch_id
    )


@pytest.mark.parametrize(
    "claim", ["sub", "email", "name", "given_name", "family_name"],
)  # fmt: skip
@pytest.mark.parametrize("value", [None, "", 42, ["x"]])
def test_a_person_claim_that_is_not_a_non_empty_string_is_absent(claim, value):
    assert getattr(launch.to_launch_claims(_token(**{claim: value}), REGISTRATION), claim) is None


@pytest.mark.parametrize("value", [None, "c-1", ["c-1"], 42])
def test_a_context_or_link_claim_that_is_not_an_object_is_absent(value):
    claims = launch.to_launch_claims(
        _token(**{CLAIM + "context": value, CLAIM + "resource_link": value}), REGISTRATION
    )
    assert (claims.context_id, claims.context_title, claims.context_label) == (None, None, None)
    assert (claims.resource_link_id, claims.resource_link_title) == (None, None)


@pytest.mark.parametrize("value", [None, "S-1", ["S-1"]])
def test_optional_objects_of_the_wrong_shape_are_left_out(value):
    claims = launch.to_launch_claims(
        _token(**{CLAIM + "custom": value, AGS_CLAIM: value, DL_SETTINGS_CLAIM: value}),
        REGISTRATION,
    )
    assert (claims.custom, claims.ags, claims.deep_linking) == ({}, None, None)


@pytest.mark.parametrize(
    ("value", "mentees"),
    [(None, []), ("s-2", []), ({"s-2": 1}, []), (["s-2", 7, None, "s-3"], ["s-2", "s-3"])],
)
def test_mentees_are_the_strings_of_a_list(value, mentees):
    claims = launch.to_launch_claims(_token(**{CLAIM + "role_scope_mentor": value}), REGISTRATION)
    assert claims.role_scope_mentor == mentees


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({CLAIM + "message_type": "LtiSubmissionReview"}, "message_type", id="type"),
        pytest.param({CLAIM + "roles": "Learner"}, "roles", id="roles-not-a-list"),
        pytest.param({CLAIM + "roles": ["Learner", 7]}, "roles.1", id="a-role-not-a-string"),
        pytest.param({CLAIM + "deployment_id": 7}, "deployment_id", id="deployment"),
        pytest.param({AGS_CLAIM: {"scope": "score"}}, "scope", id="ags-scope"),
        pytest.param({DL_SETTINGS_CLAIM: {}}, "deep_link_return_url", id="dl-url"),
    ],
)
def test_a_malformed_claim_is_rejected_by_its_name(overrides, field):
    with pytest.raises(LaunchRejected) as refused:
        launch.to_launch_claims(_token(**overrides), REGISTRATION)
    assert (refused.value.check, refused.value.message) == (
        field,
        f"the {field} claim is malformed",
    )


@pytest.mark.parametrize(
    ("tool_platform", "family"),
    [
        ({"product_family_code": "canvas", "guid": "x"}, "canvas"),
        ({"product_family_code": ""}, None),
        ({"product_family_code": 7}, None),
        ({"guid": "x"}, None),
        ("canvas", None),
        (None, None),
    ],
)
def test_the_lms_product_family_is_the_tool_platform_claims(tool_platform, family):
    claims = launch.to_launch_claims(
        _token(**{CLAIM + "tool_platform": tool_platform}), REGISTRATION
    )
    assert claims.platform_family == family
