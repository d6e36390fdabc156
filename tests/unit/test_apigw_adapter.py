import base64

import pytest

from local.apigw import Route, build_event, parse_result, pick_route

ROUTES = [
    Route("GET", "/lti/login", "Login"),
    Route("POST", "/lti/login", "Login"),
    Route("POST", "/lti/launch", "Launch"),
    Route("ANY", "/api/{proxy+}", "Web"),
    Route("GET", "/api/releases/{releaseId}", "Release"),
]


@pytest.mark.parametrize(
    ("method", "path", "target", "params"),
    [
        ("GET", "/lti/login", "Login", {}),
        ("POST", "/lti/launch", "Launch", {}),
        (
            "PUT",
            "/api/classes/c1/units/u1/grades/a1",
            "Web",
            {"proxy": "classes/c1/units/u1/grades/a1"},
        ),
        ("GET", "/api/releases/r-9", "Release", {"releaseId": "r-9"}),
        ("POST", "/api/releases/r-9", "Web", {"proxy": "releases/r-9"}),
    ],
)
def test_routes_like_api_gateway(method, path, target, params):
    route, found = pick_route(ROUTES, method, path)
    assert route.target == target
    assert found == params


def test_unknown_route_is_not_matched():
    assert pick_route(ROUTES, "GET", "/lti/launch") is None
    assert pick_route(ROUTES, "GET", "/nothing") is None


def test_event_has_the_v2_shape():
    event = build_event(
        method="POST",
        raw_path="/lti/launch",
        raw_query="a=1&a=2&b=",
        headers=[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", "one=1; two=2"),
            ("X-Multi", "x"),
            ("x-multi", "y"),
        ],
        body=b"id_token=abc&state=s",
        route=ROUTES[2],
        path_parameters={},
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /lti/launch"
    assert event["cookies"] == ["one=1", "two=2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "x,y"
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["body"] == "id_token=abc&state=s"
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["http"]["method"] == "POST"


def test_binary_body_is_base64_encoded():
    event = build_event(
        method="POST",
        raw_path="/api/x",
        raw_query="",
        headers=[("content-type", "application/octet-stream")],
        body=b"\x00\xff",
        route=ROUTES[3],
        path_parameters={"proxy": "x"},
    )
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_response_cookies_become_set_cookie_headers():
    response = parse_result(
        {
            "statusCode": 302,
            "headers": {"Location": "/app"},
            "cookies": ["a=1; Secure", "b=2; HttpOnly"],
        }
    )
    assert response.status == 302
    assert ("set-cookie", "a=1; Secure") in response.headers
    assert ("set-cookie", "b=2; HttpOnly") in response.headers


def test_base64_response_body_is_decoded():
    response = parse_result(
        {
            "statusCode": 200,
            "isBase64Encoded": True,
            "body": base64.b64encode(b"\x01\x02").decode(),
            "headers": {"content-type": "application/octet-stream"},
        }
    )
    assert response.body == b"\x01\x02"


def test_plain_dict_result_is_a_200_json_body():
    response = parse_result({"hello": "world"})
    assert response.status == 200
    assert response.body == b'{"hello": "world"}'
