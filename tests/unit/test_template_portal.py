"""template.yaml for the Admin Portal: the web function signs uploads under uploads/ only
and reads reports only; the bucket lets a page read S3's answer to a POST and nothing
else; the local stack builds the bucket's CORS from the same definition."""

from __future__ import annotations

from local.provision import _cors
from local.template import Template

TEMPLATE = Template()


def _s3_statements(function: str) -> list[dict]:
    props = TEMPLATE.resources[function]["Properties"]
    statements = [s for p in props["Policies"] for s in p["Statement"]]
    return [s for s in statements if any(a.startswith("s3:") for a in s["Action"])]


def test_the_web_function_may_put_under_uploads_and_read_reports_only():
    granted = {
        (tuple(s["Action"]), s["Resource"]["Fn::Sub"]) for s in _s3_statements("WebFunction")
    }
    assert granted == {
        (("s3:PutObject",), "arn:${AWS::Partition}:s3:::${ImportsBucket}/uploads/*"),
        (("s3:GetObject",), "arn:${AWS::Partition}:s3:::${ImportsBucket}/reports/*"),
    }


def test_the_bucket_answers_browser_posts_only_and_from_the_portal_origin():
    cors = TEMPLATE.resources["ImportsBucket"]["Properties"]["CorsConfiguration"]
    (rule,) = cors["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == [{"Ref": "PortalOrigin"}]
    assert "AllowedHeaders" not in rule  # a form post sends no custom header
    assert _cors(TEMPLATE, cors) == {
        "CORSRules": [{"AllowedMethods": ["POST"], "AllowedOrigins": ["*"], "MaxAgeSeconds": 3600}]
    }
