"""Content-Security-Policy of every page we render.

Nothing loads unless the policy names it (``default-src 'none'``). Our pages carry
their scripts and styles inline, so the policy lists the SHA-256 hash of each inline
``<script>`` and ``<style>`` block of *this* response, computed from the rendered
HTML: a script the page did not render itself (an injection) has no hash in the
header and does not run. JSON data blocks (``type="application/json"``) never run
and need no hash. Forms may post to our own origin (plus any origin a page names,
such as the LMS's Deep Linking return URL); ``fetch`` reaches our own API only, plus
any origin a page names (the imports bucket the Create Users page uploads to).
``frame-ancestors`` says who may show the page in a frame (web/framing.py).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

SELF = "'self'"
_BLOCK = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_DATA_TYPE = re.compile(r"""\btype\s*=\s*["']?application/(ld\+)?json""", re.IGNORECASE)
_FRAME_ANCESTORS = re.compile(r"frame-ancestors [^;]*")

# Every JSON answer: nothing may load from it or frame it.
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"


def _hash(text: str) -> str:
    # Browsers hash the block's text as parsed: line breaks normalised to LF.
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    digest = hashlib.sha256(normalised.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def inline_hashes(body: str) -> tuple[list[str], list[str]]:
    """The hashes of the inline scripts and of the style blocks of ``body``."""
    scripts: list[str] = []
    styles: list[str] = []
    for match in _BLOCK.finditer(body):
        tag, attributes, text = match.group(1).lower(), match.group(2), match.group(3)
        if tag == "style":
            styles.append(_hash(text))
        elif not _DATA_TYPE.search(attributes) and "src=" not in attributes.lower():
            scripts.append(_hash(text))
    return list(dict.fromkeys(scripts)), list(dict.fromkeys(styles))


def page_policy(
    body: str,
    *,
    frame_ancestors: Iterable[str] = (SELF,),
    form_targets: Iterable[str] = (),
    connect_targets: Iterable[str] = (),
) -> str:
    scripts, styles = inline_hashes(body)
    directives = [
        "default-src 'none'",
        "script-src " + (" ".join(scripts) or "'none'"),
        "style-src " + (" ".join(styles) or "'none'"),
        f"connect-src {' '.join(dict.fromkeys([SELF, *connect_targets]))}",
        f"img-src {SELF} data:",
        f"form-action {' '.join(dict.fromkeys([SELF, *form_targets]))}",
        "base-uri 'none'",
        f"frame-ancestors {' '.join(frame_ancestors) or SELF}",
    ]
    return "; ".join(directives)


def with_frame_ancestors(policy: str, frame_ancestors: Iterable[str]) -> str:
    """``policy`` with its ``frame-ancestors`` directive replaced."""
    return _FRAME_ANCESTORS.sub(f"frame-ancestors {' '.join(frame_ancestors) or SELF}", policy)
