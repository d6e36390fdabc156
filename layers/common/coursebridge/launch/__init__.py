"""The LTI login and launch as a whole: the HTTP endpoints and what a valid launch does.

Sits above the LTI checks (``lti/``), the account rules (``accounts/``) and the course
mapping (``classes/``): a validated launch signs the person in, enters the course and
starts the session.
"""
