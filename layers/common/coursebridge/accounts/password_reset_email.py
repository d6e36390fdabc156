"""The email with a link to set (or reset) an account's password."""

from __future__ import annotations

from html import escape

from coursebridge.notify.mailer import Email


def password_reset_email(
    to: str, first_name: str, username: str, link: str, valid_minutes: int, has_password: bool
) -> Email:
    verb = "reset" if has_password else "set"
    subject = f"{verb.capitalize()} your coursebridge password"
    hello = f"Hello {first_name}," if first_name else "Hello,"
    text = (
        f"{hello}\n\n"
        f"Someone, hopefully you, asked to {verb} the password of your coursebridge "
        f"account.\n\n"
        f"Username: {username}\n"
        f"Email: {to}\n\n"
        f"Open this link within {valid_minutes} minutes and choose your password on the "
        f"page it opens:\n\n"
        f"{link}\n\n"
        f"The link works once. If you did not ask for it, ignore this email: nothing "
        f"changes unless you choose a password on that page.\n"
    )
    html = (
        f"<p>{escape(hello)}</p>"
        f"<p>Someone, hopefully you, asked to {verb} the password of your coursebridge "
        "account.</p>"
        f"<p>Username: <strong>{escape(username)}</strong><br>Email: {escape(to)}</p>"
        f"<p>Open this link within {valid_minutes} minutes and choose your password on the "
        "page it opens:</p>"
        f'<p><a href="{escape(link, quote=True)}">Choose a password</a></p>'
        "<p>The link works once. If you did not ask for it, ignore this email: nothing "
        "changes unless you choose a password on that page.</p>"
    )
    return Email(to=to, subject=subject, text=text, html=html)
