"""The tool as an LMS installs it: its URLs, the messages it takes, the scopes it asks
for, the claims it reads and the custom parameter that carries the student ID.

One description for both ways an LMS admin installs it without typing URLs: LTI Dynamic
Registration (lti/dynamic_registration.py) and Canvas's JSON configuration
(lti/canvas_config.py). This module imports nothing heavy: the Canvas configuration's
cold start reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from coursebridge.lti.context_claims import (
    CONTEXT_HISTORY_PARAMS,
    CONTEXT_HISTORY_VARIABLE,
    LINK_HISTORY_PARAMS,
    LINK_HISTORY_VARIABLE,
)

TITLE = "coursebridge"
DESCRIPTION = "Classes, units and grades for your courses; grades go to the LMS gradebook."

RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"

# The AGS scopes lti/ags.py uses (a unit test holds the two together) and NRPS's.
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPES = (
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    SCOPE_MEMBERSHIPS,
)
SCOPE_NAMES = {
    SCOPE_LINEITEM: "create and manage gradebook columns",
    SCOPE_LINEITEM_READONLY: "read gradebook columns",
    SCOPE_RESULT_READONLY: "read results",
    SCOPE_SCORE: "send scores to the gradebook",
    SCOPE_MEMBERSHIPS: "read course rosters",
}

# What a launch tells the tool about a person (names and email: privacy "public").
CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email")

# The LTI variable the LMS substitutes into the organization's student-ID custom
# parameter: the person's SIS id (Canvas, Moodle's ID number, Brightspace's Org Defined Id).
STUDENT_ID_VARIABLE = "$Person.sourcedId"

# Canvas's own fields.
CANVAS = "canvas.instructure.com"
CANVAS_PRIVACY_LEVEL = f"https://{CANVAS}/lti/privacy_level"
CANVAS_DEEP_LINKING_PLACEMENTS = ("link_selection", "assignment_selection")


@dataclass(frozen=True)
class ToolUrls:
    """The tool's LTI endpoints under its public origin (``https://host`` behind API
    Gateway; ``http://127.0.0.1:<port>`` in the local stack)."""

    base_url: str

    @property
    def login_url(self) -> str:
        return f"{self.base_url}/lti/login"

    @property
    def launch_url(self) -> str:
        return f"{self.base_url}/lti/launch"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    @property
    def domain(self) -> str:
        """The host (and port, when not the default) the tool serves launches from."""
        return urlsplit(self.base_url).netloc


def custom_parameters(student_id_field: str | None) -> dict[str, str]:
    """The custom parameters the LMS sends with every launch: the course's and the
    activity's copy history (a copied course lands in a ready class) and the
    organization's student-ID claim, filled with the person's SIS id (none when it has
    no such claim)."""
    history = {
        CONTEXT_HISTORY_PARAMS[0]: CONTEXT_HISTORY_VARIABLE,
        LINK_HISTORY_PARAMS[0]: LINK_HISTORY_VARIABLE,
    }
    return {**history, student_id_field: STUDENT_ID_VARIABLE} if student_id_field else history
