"""moto server as the local stack runs it: ``python local/moto_server.py -H 127.0.0.1 -p N``.

One difference from ``python -m moto.server``. A browser upload (S3 POST Object, what
the Admin Portal's presigned POST sends) is stored by moto in two steps: the object,
whose ObjectCreated notification goes to SQS at once, then its metadata from the
form. An importer that reads the object between the two finds no upload ticket and
refuses a good upload. S3 sends the notification once the object is complete, so here
the notification of a POST waits until moto has set the metadata.

Run as a script (its own directory on ``sys.path``, not the repository's): it needs
nothing but moto.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from moto.s3 import notifications
from moto.s3.models import S3Backend
from moto.s3.responses import S3Response
from moto.server import main

_posting = threading.local()  # one request per thread in moto's server


def _put_object(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
    created = getattr(_posting, "created", None)
    if created is None:
        return _PUT_OBJECT(self, *args, **kwargs)
    kwargs["disable_notification"] = True
    key = _PUT_OBJECT(self, *args, **kwargs)
    created.append((self, key))
    return key


def _bucket_response_post(self: S3Response, request: Any, bucket_name: str) -> Any:
    _posting.created = []
    try:
        answer = _BUCKET_POST(self, request, bucket_name)
        created = _posting.created
    finally:
        _posting.created = None
    for backend, key in created:  # metadata set: now S3 would notify
        notifications.send_event(
            backend.account_id,
            notifications.S3NotificationEvent.OBJECT_CREATED_POST_EVENT,
            backend.get_bucket(bucket_name),
            key,
        )
    return answer


_PUT_OBJECT = S3Backend.put_object
_BUCKET_POST = S3Response._bucket_response_post
S3Backend.put_object = _put_object  # type: ignore[method-assign]
S3Response._bucket_response_post = _bucket_response_post  # type: ignore[method-assign]

if __name__ == "__main__":
    main(sys.argv[1:])
