"""Launch diagnostics: what a launch lacked that the LMS's settings decide, said once to
the person who can get it fixed.

- A teacher launch without the person's email or name: the LMS's privacy settings keep
  them from the tool (Canvas's privacy level, Moodle's "share launcher's name/email",
  Brightspace's security settings, Blackboard's user fields…). Accounts then cannot be
  matched by email, rosters show ids, emails cannot be sent: the banner tells the teacher
  what to ask the LMS admin to change, in that LMS's words when the launch names it.
- Canvas's Test Student (Student View, role ``…/lti/system/person#TestUser``): a
  throw-away account of Canvas's; the banner says it is one, so a teacher does not take
  it for a real student (nothing to change in the LMS).

The codes travel in the session (``Session.lms_notes``) and every page of it shows them.
"""

from __future__ import annotations

from coursebridge.lti.claims import LaunchClaims

TEST_USER_ROLE = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"
NO_EMAIL = "no-email"
NO_NAME = "no-name"
TEST_STUDENT = "test-student"

_WHERE = {
    "canvas": "In Canvas: Admin > Developer Keys > this tool's key > Privacy Level: Public "
    "(or the tool's privacy_level in its configuration).",
    "moodle": "In Moodle: Site administration > Plugins > External tool > Manage tools > "
    "this tool > Privacy: 'Share launcher's name with tool' and 'Share launcher's email "
    "with tool' set to Always.",
    "desire2learn": "In Brightspace: Admin Tools > Manage Extensibility > LTI Advantage > "
    "this tool's deployment > Security Settings: check Name and Email.",
    "BlackboardLearn": "In Blackboard: System Admin > LTI Tool Providers > this tool > "
    "User Fields to Send: Name and Email address.",
    "sakai": "In Sakai: Administration Workspace > External Tools > this tool: allow sending "
    "the user's names and email address.",
}
_GENERIC = (
    "In the LMS's settings for this tool (its registration or deployment), allow it to "
    "receive the user's name and email address."
)


def launch_notes(claims: LaunchClaims, role: str) -> list[str]:
    """The diagnostic codes of a launch (none for an ordinary one)."""
    notes: list[str] = []
    if TEST_USER_ROLE in claims.roles:
        notes.append(TEST_STUDENT)
    if role == "TEACHER" and TEST_USER_ROLE not in claims.roles:
        if not claims.email:
            notes.append(NO_EMAIL)
        if not (claims.name or claims.given_name or claims.family_name):
            notes.append(NO_NAME)
    return notes


def banners(notes: list[str], family: str | None) -> list[str]:
    """The text of each banner, for the page."""
    texts: list[str] = []
    words = ((NO_NAME, "name"), (NO_EMAIL, "email address"))
    missing = [word for code, word in words if code in notes]
    if missing:
        what = " and ".join(missing)
        texts.append(
            f"Your LMS did not send your {what} to coursebridge: its privacy settings keep "
            "them from the tool, so students and teachers show without them and accounts "
            "cannot be matched by email. Ask your LMS administrator to change this. "
            + _WHERE.get(family or "", _GENERIC)
        )
    if TEST_STUDENT in notes:
        texts.append(
            "This is Canvas's Test Student (Student View): a practice account of Canvas's, "
            "not a real student. What you see is what students see; its grades count for "
            "nobody, and resetting the Test Student in Canvas makes a new one."
        )
    return texts
