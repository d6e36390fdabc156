"""Pages (/app/*) and the JSON API (/api/*): one resolver, errors mapped in one place."""

from __future__ import annotations

from coursebridge import cold_start  # before any other import: see its docstring

# isort: split
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from coursebridge import aws
from coursebridge.accounts.sign_in_pages import CHANGE_PASSWORD_PATH, SIGN_IN_PATH
from coursebridge.classes.deep_linking import DeepLinkRefused
from coursebridge.classes.remap import MapChanged, RemapRefused
from coursebridge.grades.grading import GradeInvalid, NotAStudent
from coursebridge.store.gradebook import GradeChangedTooOften
from coursebridge.web import (
    admin_import_routes,
    admin_routes,
    admin_settings_routes,
    api_routes,
    deep_link_routes,
    invite_routes,
    me_routes,
    page_routes,
    password_routes,
    release_routes,
    responses,
    roster_routes,
    sign_in_routes,
    verify_routes,
)
from coursebridge.web.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    HttpProblem,
    NotFound,
    NotSignedIn,
)
from coursebridge.web.framing import secured_for_request
from coursebridge.web.http import as_response
from coursebridge.web.signed_in import PasswordChangeRequired, SignInRequired

logger = Logger()
tracer = Tracer(patch_modules=aws.TRACED_MODULES)
app = APIGatewayHttpResolver()
app.include_router(me_routes.router)
app.include_router(api_routes.router)
app.include_router(page_routes.router)
app.include_router(deep_link_routes.router)
app.include_router(verify_routes.router)
app.include_router(invite_routes.router)
app.include_router(release_routes.router)
app.include_router(roster_routes.router)
app.include_router(admin_routes.router)
app.include_router(admin_import_routes.router)
app.include_router(admin_settings_routes.router)
app.include_router(sign_in_routes.router)
app.include_router(password_routes.router)


def lms_framing(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    """Every answer gets its CSP; pages the LMS shows may be framed by the session's LMS
    origins (web/framing.py)."""
    return secured_for_request(next_middleware(app), app.current_event.raw_event)


app.use([lms_framing])


def _wants_page(event: dict) -> bool:
    """Pages get an error page, unless the page's own script asked for JSON."""
    accept = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("accept", "")
    return str(event.get("rawPath", "")).startswith("/app/") and "application/json" not in accept


def _problem(problem: HttpProblem) -> Response:
    if _wants_page(app.current_event.raw_event):
        page = as_response(responses.error_page(problem.status, problem.title, problem.message))
        return secured_for_request(page, app.current_event.raw_event)
    return as_response(responses.json_error(problem.status, problem.message))


# Listed one by one (after every include_router): a router's own handler for one of
# these classes would otherwise win the MRO lookup and pages would get JSON errors.
@app.exception_handler([HttpProblem, BadRequest, NotSignedIn, Forbidden, NotFound, Conflict])
def http_problem(error: HttpProblem) -> Response:
    return _problem(error)


@app.exception_handler([SignInRequired, PasswordChangeRequired])
def sign_in_first(error: HttpProblem) -> Response:
    """A signed-in page opened without its session goes to the sign-in page (a first-login
    session to the new-password page); API calls and form posts get the error itself."""
    event = app.current_event.raw_event
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", ""))
    if method.upper() != "GET" or not _wants_page(event):
        return _problem(error)
    target = CHANGE_PASSWORD_PATH if isinstance(error, PasswordChangeRequired) else SIGN_IN_PATH
    return secured_for_request(as_response(responses.redirect(target, status=303)), event)


@app.exception_handler(GradeInvalid)
def grade_invalid(error: GradeInvalid) -> Response:
    return _problem(BadRequest(str(error)))


@app.exception_handler(NotAStudent)
def not_a_student(error: NotAStudent) -> Response:
    return _problem(NotFound(f"no student {error} in this class"))


@app.exception_handler(GradeChangedTooOften)
def grade_changed(error: GradeChangedTooOften) -> Response:
    return _problem(Conflict("this grade kept changing while it was saved; try again"))


@app.exception_handler(RemapRefused)
def remap_refused(error: RemapRefused) -> Response:
    return _problem(BadRequest(str(error)))


@app.exception_handler(MapChanged)
def map_changed(error: MapChanged) -> Response:
    return _problem(Conflict(str(error)))


@app.exception_handler(DeepLinkRefused)
def deep_link_refused(error: DeepLinkRefused) -> Response:
    return _problem(BadRequest(str(error)))


@app.not_found
def not_found(_: Exception) -> Response:
    return _problem(NotFound("no such page"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)


cold_start.finished()
