"""Seed-001: LMS course ↔ class, activity ↔ unit, enrollment, rosters."""
