"""The demo LMS's Names and Role Provisioning Services 2.0: each course's membership,
paged like Canvas (at most 50 members a page, ``Link: <…>; rel="next"``), and a roster
page to add and remove members.

Written as a platform would answer a tool: a bearer token from the demo LMS's token
endpoint (``ags.AgsService``, which also grants the NRPS scope), the membership container
media type, ``limit`` honoured up to the cap, and with ``rlid`` each member's ``message``
carrying the custom values a launch of that link would have (``student_id``).

Routes: ``GET /nrps/<context>/memberships`` (the service), ``GET /roster`` (the page),
``POST /roster/add`` and ``POST /roster/remove`` (its forms).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from local.demo_lms import pages
from local.demo_lms.platform import COURSES, MEMBERSHIP, PEOPLE

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
CONTAINER_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGE = 50  # Canvas's cap
DEFAULT_PAGE = 10
MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"

Reply = tuple[int, dict[str, str], bytes]

ROSTER_ONLY = [  # students the LMS lists who have not opened the tool yet
    ("demo-roster-riley", "Riley Roster", "riley.roster@demo.example"),
    ("demo-roster-noor", "Noor Newcomer", "noor.newcomer@demo.example"),
]

ROSTER_PAGE = """
<p><a href="/">← launch</a></p>
<h1>Course rosters (Names and Roles)</h1>
{% for context_id, members in rosters.items() %}
<fieldset><legend>{{ titles[context_id] }} — {{ members|length }} members</legend>
<table id="roster-{{ context_id }}"><tbody>
{% for m in members %}<tr><td>{{ m.name or m.user_id }}</td><td>{{ m.email or "" }}</td>
<td>{{ m.role_names }}</td><td><form method="post" action="/roster/remove">
<input type="hidden" name="context" value="{{ context_id }}">
<input type="hidden" name="user_id" value="{{ m.user_id }}">
<button type="submit" aria-label="Remove {{ m.name or m.user_id }}">Remove</button></form></td></tr>
{% endfor %}</tbody></table>
<form method="post" action="/roster/add">
<input type="hidden" name="context" value="{{ context_id }}">
<label>Name <input name="name" required></label>
<label>Email <input name="email" type="email"></label>
<label><input type="checkbox" name="teacher" value="1"> Teacher</label>
<button type="submit">Add member</button></form>
</fieldset>
{% endfor %}
"""


@dataclass
class RosterMember:
    user_id: str
    roles: list[str]
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    status: str = "Active"
    custom: dict[str, str] = field(default_factory=dict)

    @property
    def role_names(self) -> str:
        return ", ".join(r.rsplit("#", 1)[-1] for r in self.roles)

    def to_json(self, rlid: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"user_id": self.user_id, "roles": self.roles, "status": self.status}
        for name in ("name", "given_name", "family_name", "email"):
            if getattr(self, name):
                body[name] = getattr(self, name)
        if rlid:
            body["message"] = [{MESSAGE_TYPE: "LtiResourceLinkRequest", CUSTOM: self.custom}]
        return body


def _seed() -> list[RosterMember]:
    members = [
        RosterMember(
            p.sub,
            p.roles,
            p.name,
            p.given_name,
            p.family_name,
            p.email,
            custom={"student_id": f"S-{p.key}"},
        )
        for p in PEOPLE.values()
        if p.sub
    ]
    for user_id, name, email in ROSTER_ONLY:
        given, family = name.split(" ", 1)
        members.append(RosterMember(user_id, [MEMBERSHIP + "Learner"], name, given, family, email))
    return members


def _json(status: int, payload: Any, content_type: str = "application/json") -> Reply:
    return status, {"content-type": content_type}, json.dumps(payload).encode()


class NrpsService:
    """Memberships per course id; ``ags`` is the demo LMS's AgsService (its tokens)."""

    def __init__(self, ags: Any, base_url: str) -> None:
        self.ags = ags
        ags.grantable.add(NRPS_SCOPE)
        self.base_url = base_url
        self.rosters: dict[str, dict[str, RosterMember]] = {
            course["id"]: {m.user_id: m for m in _seed()} for course in COURSES.values()
        }
        self.requests = 0
        self.loop_pages = False  # fault: every page's next link points back at the first
        self._lock = threading.Lock()

    # ------------------------------------------------------------ roster changes
    def add(self, context_id: str, member: RosterMember) -> None:
        with self._lock:
            self.rosters.setdefault(context_id, {})[member.user_id] = member

    def remove(self, context_id: str, user_id: str) -> None:
        with self._lock:
            self.rosters.get(context_id, {}).pop(user_id, None)

    def fill(self, context_id: str, count: int, prefix: str = "bulk") -> list[RosterMember]:
        """``count`` more students (tests and benchmarks): ``<prefix>-<n>``."""
        added = [
            RosterMember(
                f"{prefix}-{n:05d}",
                [MEMBERSHIP + "Learner"],
                f"Student {prefix} {n:05d}",
                "Student",
                f"{prefix} {n:05d}",
                f"{prefix}.{n:05d}@demo.example",
                custom={"student_id": f"S-{prefix}-{n:05d}"},
            )
            for n in range(count)
        ]
        with self._lock:
            roster = self.rosters.setdefault(context_id, {})
            roster.update({m.user_id: m for m in added})
        return added

    # ------------------------------------------------------------ HTTP
    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(path)
        segments = [s for s in parts.path.split("/") if s]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if method == "GET" and len(segments) == 3 and segments[::2] == ["nrps", "memberships"]:
            return self.memberships(segments[1], query, headers)
        if segments[:1] == ["roster"]:
            return self.roster_page(method, segments[1:], body)
        return _json(404, {"error": "not_found"})

    def memberships(self, context_id: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        token = self.ags._bearer({k.lower(): v for k, v in headers.items()}, {NRPS_SCOPE})
        if not hasattr(token, "scopes"):
            return token  # the AGS service's 401/403 answer
        with self._lock:
            self.requests += 1
            roster = self.rosters.get(context_id)
            members = sorted((roster or {}).values(), key=lambda m: m.user_id)
        if roster is None:
            return _json(404, {"error": "not_found", "error_description": "no such course"})
        try:
            limit = max(1, min(MAX_PAGE, int(query.get("limit", DEFAULT_PAGE))))
            start = max(0, int(query.get("from", 0)))
        except ValueError:
            return _json(400, {"error": "invalid_request", "error_description": "bad paging"})
        chosen = members[start : start + limit]
        url = f"{self.base_url}/nrps/{context_id}/memberships"
        context = next(c for c in COURSES.values() if c["id"] == context_id)
        payload = {
            "id": url,
            "context": {k: context[k] for k in ("id", "label", "title")},
            "members": [m.to_json(query.get("rlid")) for m in chosen],
        }
        out = {"content-type": CONTAINER_TYPE}
        if start + limit < len(members) or self.loop_pages:
            following = {**query, "from": str(0 if self.loop_pages else start + limit)}
            following["limit"] = str(limit)
            out["link"] = f'<{url}?{urlencode(following)}>; rel="next"'
        return 200, out, json.dumps(payload).encode()

    def roster_page(self, method: str, action: list[str], body: bytes) -> Reply:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        context_id = form.get("context", "")
        if method == "POST" and action == ["add"] and context_id in self.rosters:
            name = " ".join(form.get("name", "").split()) or "New Student"
            given, _, family = name.partition(" ")
            user_id = "demo-added-" + "-".join(name.lower().split())
            role = "Instructor" if form.get("teacher") else "Learner"
            self.add(
                context_id,
                RosterMember(
                    user_id, [MEMBERSHIP + role], name, given, family, form.get("email") or None
                ),
            )
        elif method == "POST" and action == ["remove"]:
            self.remove(context_id, form.get("user_id", ""))
        elif method != "GET" or action:
            return _json(404, {"error": "not_found"})
        if method == "POST":
            return 303, {"location": "/roster", "content-type": "text/plain"}, b""
        titles = {c["id"]: c["title"] for c in COURSES.values()}
        with self._lock:
            rosters = {
                cid: sorted(r.values(), key=lambda m: (m.name or m.user_id).casefold())
                for cid, r in self.rosters.items()
            }
        html = pages.page("Rosters", ROSTER_PAGE, rosters=rosters, titles=titles)
        return 200, {"content-type": "text/html; charset=utf-8"}, html.encode()
