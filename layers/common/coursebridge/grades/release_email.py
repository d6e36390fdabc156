"""The summary email a teacher gets when a grade release completes (SES, text + HTML)."""

from __future__ import annotations

from functools import cache
from typing import Any

from coursebridge.grades.release_plan import ReleaseCounts
from coursebridge.lti.ags_errors import LABELS
from coursebridge.notify.mailer import Email, Mailer

_TEXT_BODY = """\
{{ what }} for "{{ title }}" is complete.

Sent to the LMS gradebook: {{ counts.sent }}
Failed: {{ counts.failed }}
Unchanged (already in the LMS): {{ counts.unchanged }}
{% if counts.errors %}
Not delivered:
{% for e in counts.errors %}- {{ e.name or e.account_id }}: {{ labels[e.code] }} ({{ e.reason }})
{% endfor %}
Students see these grades in the tool. Fix the cause in the LMS, then press Resend failed on
the unit's page to send the grades that did not reach the LMS.
{% endif %}{% if replaced %}
The LMS gradebook column of this activity had been deleted: a new one was created for it.
{% endif %}
Release {{ release_id }}
"""

_HTML_BODY = """\
<!doctype html>
<html><body style="font-family: sans-serif">
<p>{{ what }} for <strong>{{ title }}</strong> is complete.</p>
<table>
<tr><td>Sent to the LMS gradebook</td><td>{{ counts.sent }}</td></tr>
<tr><td>Failed</td><td>{{ counts.failed }}</td></tr>
<tr><td>Unchanged (already in the LMS)</td><td>{{ counts.unchanged }}</td></tr>
</table>
{% if counts.errors %}
<h3>Not delivered</h3>
<ul>{% for e in counts.errors %}
<li>{{ e.name or e.account_id }}: {{ labels[e.code] }} ({{ e.reason }})</li>{% endfor %}
</ul>
<p>Students see these grades in the tool. Fix the cause in the LMS, then press Resend failed
on the unit's page to send the grades that did not reach the LMS.</p>
{% endif %}{% if replaced %}
<p>The LMS gradebook column of this activity had been deleted: a new one was created for it.</p>
{% endif %}
<p style="color: #666">Release {{ release_id }}</p>
</body></html>
"""


def release_summary(
    title: str,
    counts: ReleaseCounts,
    release_id: str,
    *,
    resend: bool = False,
    replaced: bool = False,
) -> tuple[str, str, str]:
    """(subject, text, html) of the summary (``resend``: of a resend, not a release)."""
    outcome = f"{counts.failed} failed" if counts.failed else "all delivered"
    verb = "resent" if resend else "released"
    subject = f"Grades {verb}: {title} ({counts.sent} sent, {outcome})"
    context: dict[str, Any] = {
        "title": title,
        "counts": counts,
        "release_id": release_id,
        "what": "Grade resend" if resend else "Grade release",
        "labels": {code.value: label for code, label in LABELS.items()},
        "replaced": replaced,
    }
    text_env, html_env = _environments()
    text = text_env.from_string(_TEXT_BODY).render(**context)
    html = html_env.from_string(_HTML_BODY).render(**context)
    return subject, text, html


@cache
def _environments() -> tuple[Any, Any]:
    """(plain text, autoescaped HTML) Jinja2 environments, built at the first summary:
    the release worker's cold start does not pay for Jinja2."""
    from jinja2 import Environment, select_autoescape

    text = Environment(autoescape=False)  # noqa: S701 - plain-text part, never rendered as HTML
    html = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return text, html


def send_release_summary(
    *,
    sender: str,
    to: str,
    title: str,
    counts: ReleaseCounts,
    release_id: str,
    resend: bool = False,
    replaced: bool = False,
) -> None:
    subject, text, html = release_summary(
        title, counts, release_id, resend=resend, replaced=replaced
    )
    Mailer(sender=sender).send(Email(to=to, subject=subject, text=text, html=html))
