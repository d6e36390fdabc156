"""Emails sent through SES (report summaries, welcome messages)."""
