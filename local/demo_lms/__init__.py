"""A small LTI 1.3 platform for local use: its own RSA keys and JWKS, an OIDC auth
endpoint, a page to pick a person (teacher, TA, mentor, student, anonymous student)
and an activity, and the tool launched in an iframe (resource link or deep linking).

``make dev`` serves it on ``ports.demo_lms`` (``http://localhost:<port>``, a
different site from the tool on ``http://127.0.0.1:<port>``) and registers it as
org ``demo``. AGS requests (``/token``, ``/ags/…``, ``/gradebook``) go to
``local.demo_lms.ags.AgsService`` when that module exists.
"""

from local.demo_lms.platform import DemoPlatform, PlatformKeys
from local.demo_lms.server import DemoLms

__all__ = ["DemoLms", "DemoPlatform", "PlatformKeys"]
