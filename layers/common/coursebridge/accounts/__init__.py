"""Seed-000 rules: which account an LMS user is, and with which role."""
