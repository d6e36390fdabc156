"""Register the demo LMS with the tool: org ``demo`` (school ``demo-school``) and a
platform registration pointing at the demo LMS's URLs. Idempotent."""

from __future__ import annotations

import contextlib

from coursebridge.lti.tool_config import forget_cached_config
from coursebridge.store.orgs import Org, OrgAlreadyExists, OrgStore
from coursebridge.store.platforms import (
    PlatformAlreadyRegistered,
    PlatformRegistration,
    PlatformStore,
)
from local.demo_lms.server import DemoLms

DEMO_ORG = "demo"
DEMO_SCHOOL = "demo-school"


def register_demo(lms: DemoLms, *, org_id: str = DEMO_ORG, trial: bool = False) -> None:
    with contextlib.suppress(OrgAlreadyExists):
        OrgStore().create(
            Org(org_id=org_id, name="Demo School District", schools=[DEMO_SCHOOL], trial=trial)
        )
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
