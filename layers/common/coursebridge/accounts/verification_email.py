"""The email that lets a teacher with an account elsewhere join an org from a launch."""

from __future__ import annotations

from html import escape

from coursebridge.notify.mailer import Email


def verification_email(to: str, org_name: str, link: str, valid_hours: int) -> Email:
    subject = f"Confirm your account to join {org_name}"
    text = (
        f"Hello,\n\n"
        f"You opened a course of {org_name} from your LMS. You already have an account "
        f"with this email address ({to}), in another organization. To use that same "
        f"account here, open this link within {valid_hours} hours and confirm on the "
        f"page it opens:\n\n"
        f"{link}\n\n"
        f"The link works once. If you did not open a course, ignore this email: nothing "
        f"changes unless you confirm on that page.\n"
    )
    html = (
        "<p>Hello,</p>"
        f"<p>You opened a course of <strong>{escape(org_name)}</strong> from your LMS. You "
        f"already have an account with this email address ({escape(to)}), in another "
        "organization. To use that same account here, open this link within "
        f"{valid_hours} hours and confirm on the page it opens:</p>"
        f'<p><a href="{escape(link, quote=True)}">Review and confirm</a></p>'
        "<p>The link works once. If you did not open a course, ignore this email: nothing "
        "changes unless you confirm on that page.</p>"
    )
    return Email(to=to, subject=subject, text=text, html=html)
