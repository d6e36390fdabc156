"""The install function (Dynamic Registration, Canvas configuration) may touch the app
table only: no account, no key, no secret, no mail (least privilege)."""

from __future__ import annotations

from local.template import Template

TEMPLATE = Template()


def _statements(function: str) -> list[dict]:
    policies = TEMPLATE.resources[function]["Properties"]["Policies"]
    return [statement for policy in policies for statement in policy["Statement"]]


def test_the_install_function_reads_and_writes_the_app_table_only():
    (statement,) = _statements("LtiInstallFunction")
    assert statement["Effect"] == "Allow"
    assert set(statement["Action"]) == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    assert statement["Resource"] == [
        {"Fn::GetAtt": ["AppTable", "Arn"]},
        {"Fn::Sub": "${AppTable.Arn}/index/gsi1"},
    ]


def test_the_install_routes_are_served_by_the_install_function():
    routes = {(r.method, r.path): r.function for r in TEMPLATE.http_routes()}
    for route in [("GET", "/lti/register"), ("POST", "/lti/register"), ("GET", "/lti/canvas.json")]:
        assert routes[route] == "LtiInstallFunction"
