"""The Admin Portal's home and Create Users (/app/admin): school admins, signed in.

Create Users takes the options first (send welcome emails, a custom first-login
password, dry run), then the file (picked or dropped). The page's script asks
``POST /app/admin/create-users/uploads`` for a presigned POST (imports/browser_upload.py:
the admin's own prefix, a size range and the options with their upload ticket, all
fixed by the policy), sends the file from the browser straight to S3, follows the
import at ``GET /app/admin/create-users/status`` (JSON) and then shows the results
(web/admin_import_routes.py). Every route checks the signed-in admin first; every POST
also checks that the form comes from our own pages (web/signed_in.py).

The portal's modules (the import history, the upload signer, the settings rules, the
pages' views) are imported by the routes on first use: the web function's cold start
serves launches and grading, which need none of them.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coursebridge.settings import get_settings
from coursebridge.store.orgs import OrgStore
from coursebridge.web import responses
from coursebridge.web.errors import BadRequest
from coursebridge.web.http import form_body, json_ok
from coursebridge.web.signed_in import SchoolAdmin, require_same_origin, require_school_admin

router = APIGatewayHttpRouter()
ADMIN = "/app/admin"
CREATE_USERS = f"{ADMIN}/create-users"
RECENT = 5
_ON = ("on", "true", "1", "yes")


def _admin() -> SchoolAdmin:
    return require_school_admin(router.current_event.raw_event)


@router.get(ADMIN)
def home() -> Response:
    from coursebridge.imports.history import ImportHistory
    from coursebridge.orgs.settings import manages_organization
    from coursebridge.web.admin_views import admin_page, import_view

    admin = _admin()
    org = OrgStore().get(admin.org_id)
    recent = ImportHistory().page(admin.account.account_id, limit=RECENT).jobs
    return admin_page(
        admin,
        "admin_home.html",
        org=org,
        imports=[import_view(job) for job in recent],
        org_admin=bool(org and manages_organization(admin.schools, org)),
    )


@router.get(CREATE_USERS)
def create_users_page() -> Response:
    from coursebridge.imports.browser_upload import MAX_PASSWORD, MIN_PASSWORD, upload_origin
    from coursebridge.imports.parse import REQUIRED
    from coursebridge.web.admin_views import admin_page

    admin = _admin()
    origin = upload_origin()
    return admin_page(
        admin,
        "admin_create_users.html",
        connect_targets=(origin,),
        columns=REQUIRED,
        max_bytes=get_settings().import_max_bytes,
        min_password=MIN_PASSWORD,
        max_password=MAX_PASSWORD,
    )


def _size(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise BadRequest("the file size is missing: choose the file again") from None


@router.post(f"{CREATE_USERS}/uploads")
def new_upload() -> Response:
    """The presigned POST for one file, as JSON: ``url``, ``fields`` (in order, the file
    goes last) and the ``statusUrl`` to follow its import."""
    from coursebridge.imports.browser_upload import UploadRefused, presigned_upload

    event = router.current_event.raw_event
    admin = _admin()
    require_same_origin(event)
    form = form_body(router.current_event)
    password = form.get("customPassword", "") if form.get("customPasswordEnabled") in _ON else None
    if password is not None and not password:
        raise BadRequest("type the custom password, or untick 'Create custom password'")
    try:
        upload = presigned_upload(
            admin.account.account_id,
            form.get("fileName", ""),
            _size(form.get("fileSize", "")),
            send_welcome=form.get("sendWelcome") in _ON,
            dry_run=form.get("dryRun") in _ON,
            custom_password=password,
        )
    except UploadRefused as refused:
        raise BadRequest(refused.message) from None
    return json_ok(
        {
            "url": upload.url,
            "fields": list(upload.fields.items()),
            "statusUrl": f"{CREATE_USERS}/status?upload={upload.upload_path}",
        }
    )


@router.get(f"{CREATE_USERS}/status")
def upload_status() -> Response:
    """The import of one of this admin's uploads (the path the upload answer named)."""
    from coursebridge.imports.browser_upload import upload_key
    from coursebridge.imports.history import ImportHistory
    from coursebridge.web.admin_views import status_json

    admin = _admin()
    path = router.current_event.get_query_string_value("upload", "") or ""
    key = upload_key(admin.account.account_id, path)
    if key is None:
        raise BadRequest("no such upload: upload the file again")
    job = ImportHistory().for_upload(get_settings().imports_bucket, key)
    return json_ok(status_json(job))


@router.get(f"{CREATE_USERS}/template.csv")
def template_csv() -> Response:
    """The header row every file starts with (the columns in the usual order)."""
    from coursebridge.imports.parse import REQUIRED

    _admin()
    return Response(
        200,
        "text/csv; charset=utf-8",
        ",".join(REQUIRED) + "\r\n",
        {
            **responses.SECURITY_HEADERS,
            "content-disposition": 'attachment; filename="create-users-template.csv"',
        },
    )
