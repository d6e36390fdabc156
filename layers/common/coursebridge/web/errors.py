"""Expected failures of the pages and the JSON API, each with its HTTP status.

functions/web/app.py maps them to responses in one place: JSON ``{"error": ...}``
under /api, a readable HTML page under /app.
"""

from __future__ import annotations


class HttpProblem(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(HttpProblem):
    status = 400
    title = "That did not work"


class NotSignedIn(HttpProblem):
    status = 401
    title = "Not signed in"


class Forbidden(HttpProblem):
    status = 403
    title = "Not allowed"


class NotFound(HttpProblem):
    status = 404
    title = "Not found"


class Conflict(HttpProblem):
    status = 409
    title = "Changed meanwhile"
