"""Register the demo LMS with the tool: org ``demo`` (school ``demo-school``) and a
platform registration pointing at the demo LMS's URLs. Idempotent.

``offer_dynamic_registration`` lets the demo LMS's page register the tool by LTI
Dynamic Registration instead: each click asks the tool for a new registration URL of
the organization (what ``coursebridge platform registration-url`` prints), so nobody
copies a URL or an id.
"""

from __future__ import annotations

import contextlib

from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.orgs.registration_urls import issue_registration_url
from coursebridge.orgs.settings import Actor
from coursebridge.store.orgs import Org, OrgAlreadyExists, OrgStore
from coursebridge.store.platforms import (
    PlatformAlreadyRegistered,
    PlatformRegistration,
    PlatformStore,
)
from local.demo_lms.server import DemoLms

DEMO_ORG = "demo"
DEMO_SCHOOL = "demo-school"
URL_SECONDS = 3600


def create_demo_org(org_id: str = DEMO_ORG, *, trial: bool = False) -> None:
    with contextlib.suppress(OrgAlreadyExists):
        OrgStore().create(
            Org(org_id=org_id, name="Demo School District", schools=[DEMO_SCHOOL], trial=trial)
        )


def register_demo(lms: DemoLms, *, org_id: str = DEMO_ORG, trial: bool = False) -> None:
    create_demo_org(org_id, trial=trial)
    config = lms.config()
    with contextlib.suppress(PlatformAlreadyRegistered):
        PlatformStore().add(
            PlatformRegistration(
                issuer=config["issuer"],
                client_id=config["client_id"],
                deployment_ids=[config["deployment_id"]],
                auth_login_url=config["auth_login_url"],
                auth_token_url=config["auth_token_url"],
                jwks_url=config["jwks_url"],
                org_id=org_id,
            )
        )
    forget_cached_config()
    offer_dynamic_registration(lms, org_id)


def offer_dynamic_registration(lms: DemoLms, org_id: str = DEMO_ORG) -> None:
    """The demo LMS's "Register coursebridge" button gets a new registration URL of
    ``org_id`` (valid an hour) each time it is pressed."""

    def issue() -> str:
        actor = Actor("", "demo LMS setup")
        tool_url = lms.platform.tool_url
        return issue_registration_url(org_id, tool_url, seconds=URL_SECONDS, actor=actor).url

    lms.registration_urls = issue
