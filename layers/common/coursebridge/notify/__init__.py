"""Sending email through SES. Each email's content lives with its feature
(accounts/, grades/, imports/); this package only sends."""
