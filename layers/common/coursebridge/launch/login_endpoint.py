"""HTTP shape of /lti/login (OIDC login initiation). Imports nothing of the launch:
the login handler's cold start loads neither id_token checks nor account rules."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from coursebridge.launch.rejections import frame_ancestors, rejection_response
from coursebridge.lti.errors import LoginRejected
from coursebridge.lti.login import start_login
from coursebridge.lti.request import ApiGatewayRequest
from coursebridge.web.responses import html, redirect, render

logger = Logger(child=True)


def login_endpoint(event: dict) -> dict:
    request = ApiGatewayRequest(event)
    try:
        login = start_login(request)
    except LoginRejected as error:
        return rejection_response(error, "login", request)
    logger.info("login started", extra={"storage": bool(login.storage)})
    if login.storage is None:
        return redirect(login.auth_url, cookies=login.cookies)
    config = {**login.storage, "authUrl": login.auth_url}
    page = render("lti_storage_login.html", config=config, auth_url=login.auth_url)
    return html(200, page, cookies=login.cookies, frame_ancestors=frame_ancestors(request))
