"""The classification of LMS refusals (lti/ags_errors.py) and the platform's words kept."""

from __future__ import annotations

import pytest
import requests

from coursebridge.lti.ags_errors import Lms, Reason, classify, lms_family, reason_of
from coursebridge.lti.ags_messages import canvas_submission, platform_message, scores_url


@pytest.mark.parametrize(
    ("code", "issuer", "family"),
    [
        ("canvas", "https://lms.school.edu", Lms.CANVAS),
        ("Moodle", "https://moodle.school.edu", Lms.MOODLE),
        ("BlackboardLearn", "https://example.edu", Lms.BLACKBOARD),
        ("desire2learn", "https://example.edu", Lms.D2L),
        (None, "https://canvas.instructure.com", Lms.CANVAS),
        (None, "https://canvas.test.instructure.com", Lms.CANVAS),
        (None, "https://blackboard.com", Lms.BLACKBOARD),
        (None, "https://school.brightspace.com", Lms.D2L),
        (None, "https://notinstructure.com", Lms.GENERIC),
        ("demo", "https://lms.example", Lms.GENERIC),
        (None, None, Lms.GENERIC),
    ],
)
def test_the_lms_family_comes_from_the_claim_then_the_issuer(code, issuer, family):
    assert lms_family(code, issuer) == family


@pytest.mark.parametrize(
    ("lms", "status", "message", "missing", "reason"),
    [
        (
            "canvas",
            422,
            "HTTP 422: User not found in course or is not a student",
            False,
            Reason.NOT_ENROLLED,
        ),
        ("canvas", 422, "HTTP 422: This course has concluded.", False, Reason.COURSE_CONCLUDED),
        (
            "canvas",
            422,
            "The maximum number of allowed attempts has been reached",
            False,
            Reason.OTHER,
        ),
        ("moodle", 400, "HTTP 400: Incorrect score received", False, Reason.NOT_ENROLLED),
        ("generic", 400, "HTTP 400: Incorrect score received", False, Reason.OTHER),
        ("blackboard", 400, "HTTP 400: User could not be found: _12_1", False, Reason.NOT_ENROLLED),
        ("d2l", 403, "HTTP 403: Forbidden", False, Reason.NOT_ENROLLED),
        ("d2l", 404, "HTTP 404: Not Found", False, Reason.NOT_ENROLLED),
        ("d2l", 404, "HTTP 404: Not Found", True, Reason.LINE_ITEM_GONE),
        ("generic", 404, "HTTP 404: Not Found", True, Reason.LINE_ITEM_GONE),
        ("generic", 404, "HTTP 404: Not Found", False, Reason.OTHER),
        ("generic", 401, "HTTP 401: invalid_token", False, Reason.TOKEN_REFUSED),
        ("generic", 429, "HTTP 429: slow down", False, Reason.PLATFORM_UNAVAILABLE),
        ("generic", 503, "HTTP 503", False, Reason.PLATFORM_UNAVAILABLE),
        ("generic", None, "no answer from the LMS", False, Reason.PLATFORM_UNAVAILABLE),
        (
            "canvas",
            400,
            "Provided timestamp of 2024-01-01 before last updated timestamp",
            False,
            Reason.SUPERSEDED,
        ),
        (
            "generic",
            409,
            "HTTP 409: a newer score for this user is on record",
            False,
            Reason.SUPERSEDED,
        ),
        ("blackboard", 403, "HTTP 403: the course is read-only", False, Reason.COURSE_CONCLUDED),
        ("generic", 400, "HTTP 400: user is not enrolled", False, Reason.NOT_ENROLLED),
        ("generic", 400, "HTTP 400: scoreMaximum must be a number", False, Reason.OTHER),
        ("unheard-of", 422, "User not found in course", False, Reason.NOT_ENROLLED),
    ],
)
def test_each_refusal_has_one_reason(lms, status, message, missing, reason):
    assert classify(lms, status, message, line_item_missing=missing) == reason


def test_a_failure_stored_before_reasons_existed_reads_by_its_kind():
    assert reason_of(None, True) == Reason.OTHER
    assert reason_of(None, False) == Reason.PLATFORM_UNAVAILABLE
    assert reason_of("course_concluded", True) == Reason.COURSE_CONCLUDED
    assert reason_of("nonsense", True) == Reason.OTHER


def _response(status: int, body: str, content_type: str = "application/json"):
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers["Content-Type"] = content_type
    response.reason = "Unprocessable Entity"
    return response


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '{"errors":[{"message":"User not found in course or is not a student"}]}',
            "HTTP 422: User not found in course or is not a student",
        ),
        (
            '{"errors":{"type":"unprocessable_entity","message":"This course has concluded."}}',
            "HTTP 422: This course has concluded.",
        ),
        (
            '{"error":"invalid_user","error_description":"not enrolled"}',
            "HTTP 422: invalid_user: not enrolled",
        ),
        ("Incorrect score received", "HTTP 422: Incorrect score received"),
        ("", "HTTP 422: Unprocessable Entity"),
    ],
)
def test_the_platforms_own_words_are_kept(body, message):
    assert platform_message(_response(422, body)) == message


def test_moodle_line_item_urls_keep_their_query_for_scores():
    url = "https://moodle.school.edu/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3"
    assert scores_url(url) == (
        "https://moodle.school.edu/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3"
    )


def test_canvas_submission_extension_on_first_send_and_resend():
    from datetime import UTC, datetime

    first = canvas_submission(resend=False, submitted_at=datetime(2024, 3, 1, 12, tzinfo=UTC))
    assert first == {
        "https://canvas.instructure.com/lti/submission": {
            "new_submission": True,
            "prioritize_non_tool_grade": True,
            "submitted_at": "2024-03-01T12:00:00.000+00:00",
        }
    }
    again = canvas_submission(resend=True)
    assert again["https://canvas.instructure.com/lti/submission"] == {
        "new_submission": False,
        "prioritize_non_tool_grade": True,
    }
