"""A new unit takes its maximum score from the launch's AGS line item (demo LMS AGS)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coursebridge.lti.claims import AgsEndpoint
from coursebridge.store.classes import ClassStore
from coursebridge.store.orgs import OrgStore
from tests.classroom import INSTRUCTOR, claims, launch
from tests.integration.release_seed import (
    ALL_SCOPES,
    CLIENT_ID,
    CONTEXT,
    DEPLOYMENT,
    ISSUER,
    ORG,
    REGISTRATION_ID,
    running_lms,
    seed_platform,
)

pytestmark = pytest.mark.integration


def _launch(lms, link_id, lineitem):
    ags = AgsEndpoint(scope=ALL_SCOPES, lineitems=lms.lineitems, lineitem=lineitem)
    return launch(
        claims(
            "t-1",
            INSTRUCTOR,
            issuer=ISSUER,
            client_id=CLIENT_ID,
            registration_id=REGISTRATION_ID,
            deployment_id=DEPLOYMENT,
            context_id=CONTEXT,
            link_id=link_id,
            ags=ags,
        ),
        OrgStore().get(ORG),
    )


def test_max_score_is_read_from_the_lms_line_item_and_a_refusal_never_fails_the_launch(stack):
    with running_lms(stack) as lms:
        seed_platform(lms)
        lineitem = lms.service.ensure_line_item(lms.base_url, CONTEXT, "rl-1", "Essay", 42.0)
        teacher = _launch(lms, "rl-1", lineitem)
        unit = ClassStore().get_unit(teacher.unit_id)
        assert (unit.max_score, unit.lineitem) == (Decimal(42), lineitem)

        missing = _launch(lms, "rl-2", f"{lms.lineitems}/999")  # the LMS answers 404
        assert ClassStore().get_unit(missing.unit_id).max_score is None
