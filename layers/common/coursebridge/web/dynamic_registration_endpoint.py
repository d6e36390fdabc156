"""HTTP shape of ``/lti/register``: LTI Dynamic Registration's pages.

``GET /lti/register?cb_registration=…&openid_configuration=…&registration_token=…`` is
what the LMS opens (in a frame or a new window): a confirmation page naming the
organization, the LMS, the messages and the services; it writes nothing. Its form
``POST``s the same three values back and the registration happens then
(orgs/dynamic_registration.py); the answer page tells the LMS it is done
(``postMessage({subject: "org.1edtech.lti.close"}, "*")`` to its opener and parent,
an inline script allowed by its hash like every other: web/csp.py).

These pages are shown inside the LMS: they may be framed by the origins of the URLs
the request names — the configuration's and, once it is read, the issuer's and the
authorization endpoint's, with their parent domain (lti/platform_origins.py). Those
choose only who may frame a page, never what it says or does.
"""

from __future__ import annotations

import re

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from coursebridge.lti.platform_configuration import PlatformConfiguration
from coursebridge.lti.platform_origins import lms_sources
from coursebridge.lti.request import ApiGatewayRequest
from coursebridge.lti.tool_description import (
    DEEP_LINKING,
    RESOURCE_LINK,
    SCOPE_NAMES,
    ToolUrls,
)
from coursebridge.orgs.dynamic_registration import RegistrationRefused, register, review
from coursebridge.orgs.registration_urls import TOKEN_PARAM
from coursebridge.outbound import outbound_policy
from coursebridge.web.csp import SELF
from coursebridge.web.responses import html, render

logger = Logger(child=True)

MESSAGE_NAMES = {
    RESOURCE_LINK: "Open the activity",
    DEEP_LINKING: "Add an activity, picking a unit (Deep Linking)",
}
MAX_PARAM = 4096
# A CSP source we write from a URL a request named: scheme, a plain host name, a port.
_SOURCE = re.compile(r"^https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$")
# A URL's query (an LMS may put its registration token in its configuration's URL).
_QUERY = re.compile(r"(https?://[^\s?]+)\?\S*")


def registration_endpoint(event: dict) -> dict:
    request = ApiGatewayRequest(event)
    token = _param(request, TOKEN_PARAM)
    config_url = _param(request, "openid_configuration")
    registration_token = _param(request, "registration_token")
    tool = ToolUrls(request.base_url)
    try:
        if request.method == "POST":
            done = register(
                token,
                config_url,
                registration_token,
                tool,
                replace=_param(request, "replace") or None,
            )
        else:
            found = review(token, config_url, tool)
    except RegistrationRefused as refused:
        return _refused(refused, config_url)
    if request.method != "POST":
        page = render(
            "lti_register_confirm.html",
            review=found,
            message_names=MESSAGE_NAMES,
            scope_names=SCOPE_NAMES,
            token_param=TOKEN_PARAM,
            token=token,
            registration_token=registration_token,
        )
        return html(200, page, frame_ancestors=_framers(config_url, found.config))
    logger.info(
        "platform registered",
        extra={
            "org": done.org.org_id,
            "issuer": done.registration.issuer,
            "clientId": done.registration.client_id,
            "registrationId": done.registration.registration_id,
            "updated": done.updated is not None,
        },
    )
    _count("PlatformRegistered", product=done.config.product_family_code[:40])
    page = render("lti_register_done.html", done=done)
    return html(200, page, frame_ancestors=_framers(config_url, done.config))


def _param(request: ApiGatewayRequest, name: str) -> str:
    value = request.get_param(name).strip()
    return value if len(value) <= MAX_PARAM else ""


def _refused(refused: RegistrationRefused, config_url: str) -> dict:
    logger.warning(
        "registration refused",
        extra={
            "reason": refused.check,
            "detail": _QUERY.sub(r"\1?…", refused.message),
            "status": refused.status,
        },
    )
    _count("RegistrationRefused", reason=refused.check)
    page = render("lti_register_refused.html", refusal=refused)
    return html(refused.status, page, frame_ancestors=_framers(config_url, None))


def _framers(config_url: str, config: PlatformConfiguration | None) -> tuple[str, ...]:
    """The LMS that opened the page may frame it: the origins of the URLs it named."""
    urls = [config_url] if config_url else []
    if config is not None:
        urls += [config.issuer, config.authorization_endpoint]
    allowed = ("https", "http") if outbound_policy().allow_loopback else ("https",)
    sources = [
        source
        for source in lms_sources(tuple(urls))
        if source.split(":", 1)[0] in allowed and _SOURCE.match(source)
    ]
    return tuple(sources) or (SELF,)


def _count(name: str, **dimensions: str) -> None:
    with single_metric(name=name, unit=MetricUnit.Count, value=1) as metric:
        for key, value in dimensions.items():
            metric.add_dimension(name=key, value=value or "-")
