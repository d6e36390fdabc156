"""What a refused score means, as Release Grades records and reports it (docs/GRADES.md's
table): the class of one refusal for the unit's LMS, the status kept beside the platform's
words, a failure stored before classes existed, and the LMS and deleted line items a unit
remembers."""

from __future__ import annotations

import pytest

from coursebridge.grades.release_plan import Failure, ReleaseFailure, UnitInfo, count_release
from coursebridge.lti.ags import PermanentAgsError
from coursebridge.lti.ags_errors import Lms, Reason
from tests.unit.test_release_plan import g, released

MOODLE_REFUSAL = PermanentAgsError("HTTP 400: Incorrect score received", 400)
NOT_FOUND = PermanentAgsError("HTTP 404: Not Found", 404)


@pytest.mark.parametrize(
    ("error", "lms", "line_item_missing", "code"),
    [
        pytest.param(MOODLE_REFUSAL, Lms.MOODLE, False, Reason.NOT_ENROLLED,
                     id="moodle-not-gradable"),
        pytest.param(MOODLE_REFUSAL, Lms.GENERIC, False, Reason.OTHER, id="generic-other"),
        pytest.param(NOT_FOUND, Lms.GENERIC, True, Reason.LINE_ITEM_GONE, id="line-item-gone"),
        pytest.param(NOT_FOUND, Lms.GENERIC, False, Reason.OTHER, id="404-line-item-still-there"),
        pytest.param(NOT_FOUND, Lms.D2L, False, Reason.NOT_ENROLLED, id="d2l-not-found"),
    ],
)  # fmt: skip
def test_a_refusal_is_classed_for_the_units_lms(error, lms, line_item_missing, code):
    """The LMS's own wording counts for that LMS only; a 404 means the line item is gone
    only when the line item itself answered 404 too."""
    assert Failure.of(error, lms, line_item_missing=line_item_missing) == Failure(
        code, error.reason, error.status
    )


def test_a_404_is_not_a_gone_line_item_unless_the_sender_says_so():
    assert Failure.of(NOT_FOUND, Lms.GENERIC).code == Reason.OTHER


def test_a_failure_keeps_the_platforms_status():
    assert Failure.of(MOODLE_REFUSAL, Lms.MOODLE).status == 400


@pytest.mark.parametrize(
    ("last_error", "code"),
    [
        pytest.param({"reason": "HTTP 503", "permanent": False}, "platform_unavailable",
                     id="retried"),
        pytest.param({"reason": "HTTP 400", "permanent": True}, "other", id="permanent"),
        pytest.param({"reason": "HTTP 400"}, "other", id="kind-unknown"),
    ],
)  # fmt: skip
def test_a_failure_stored_before_classes_existed_is_reported_by_its_kind(last_error, code):
    counts = count_release([released(g("a1"), last_error=last_error)], "r1", {"a1": "Ann"})
    assert counts.errors == [ReleaseFailure("a1", "Ann", last_error["reason"], code)]


@pytest.mark.parametrize(
    ("item", "lms"),
    [
        pytest.param({"lmsFamily": "canvas", "issuer": "https://lms.school.edu"}, Lms.CANVAS,
                     id="the-launchs-product-family"),
        pytest.param({"issuer": "https://canvas.instructure.com"}, Lms.CANVAS,
                     id="else-the-issuers-host"),
        pytest.param({"lmsFamily": "moodle", "issuer": "https://canvas.instructure.com"},
                     Lms.MOODLE, id="the-family-first"),
        pytest.param({"issuer": "https://lms.school.edu"}, Lms.GENERIC, id="else-generic"),
    ],
)  # fmt: skip
def test_a_units_lms_is_the_launchs_product_family_else_the_issuers(item, lms):
    assert UnitInfo.from_item("unt_1", item).lms == lms


def test_a_unit_remembers_the_line_items_deleted_in_the_lms():
    item = {"goneLineitems": {"https://lms/li/1", "https://lms/li/2"}}
    assert UnitInfo.from_item("unt_1", item).gone_lineitems == {
        "https://lms/li/1",
        "https://lms/li/2",
    }
