"""The email that invites an existing account to become a school admin of an organization."""

from __future__ import annotations

from html import escape

from coursebridge.notify.mailer import Email


def admin_invite_email(to: str, org_name: str, school_id: str, link: str, valid_days: int) -> Email:
    subject = f"Invitation: school admin of {org_name}"
    text = (
        "Hello,\n\n"
        f"{org_name} invites your coursebridge account ({to}) to become an admin of its "
        f"school {school_id}: you would create and update its users from CSV files. To "
        f"accept, open this link within {valid_days} days and confirm on the page it "
        f"opens:\n\n{link}\n\n"
        "The link works once. If you do not expect this, ignore this email: nothing "
        "changes unless you confirm on that page.\n"
    )
    html = (
        "<p>Hello,</p>"
        f"<p><strong>{escape(org_name)}</strong> invites your coursebridge account "
        f"({escape(to)}) to become an admin of its school <strong>{escape(school_id)}"
        "</strong>: you would create and update its users from CSV files. To accept, open "
        f"this link within {valid_days} days and confirm on the page it opens:</p>"
        f'<p><a href="{escape(link, quote=True)}">Review the invitation</a></p>'
        "<p>The link works once. If you do not expect this, ignore this email: nothing "
        "changes unless you confirm on that page.</p>"
    )
    return Email(to=to, subject=subject, text=text, html=html)
