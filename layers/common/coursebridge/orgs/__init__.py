"""An organization's settings and LMS registrations after setup: one set of rules for
the Admin Portal (its admins) and the command line (the operator), every change audited."""
