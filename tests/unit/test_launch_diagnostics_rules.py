"""Which launches get a diagnostic banner, and what it says."""

from __future__ import annotations

from coursebridge.launch.diagnostics import (
    NO_EMAIL,
    NO_NAME,
    TEST_STUDENT,
    TEST_USER_ROLE,
    banners,
    launch_notes,
)
from tests.classroom import INSTRUCTOR, LEARNER, claims


def test_a_teacher_without_email_or_name():
    bare = claims("t", INSTRUCTOR, email=None, name=None)
    assert launch_notes(bare, "TEACHER") == [NO_EMAIL, NO_NAME]
    assert launch_notes(claims("t", INSTRUCTOR, email=None), "TEACHER") == [NO_EMAIL]
    assert launch_notes(claims("t", INSTRUCTOR, name=None, given_name="Tess"), "TEACHER") == []


def test_students_get_no_privacy_banner_and_the_test_student_gets_its_own():
    assert launch_notes(claims("s", LEARNER, email=None, name=None), "STUDENT") == []
    fake = claims("s", [*LEARNER, TEST_USER_ROLE], email=None)
    assert launch_notes(fake, "STUDENT") == [TEST_STUDENT]


def test_banners_name_the_lms_setting_when_the_lms_is_known():
    [canvas] = banners([NO_EMAIL], "canvas")
    assert "email address" in canvas and "Privacy Level: Public" in canvas
    [moodle] = banners([NO_NAME, NO_EMAIL], "moodle")
    assert "name and email address" in moodle and "Share launcher's email" in moodle
    [other] = banners([NO_NAME], "someLms")
    assert "allow it to receive" in other
    assert banners([], "canvas") == []
    assert "Test Student" in banners([TEST_STUDENT], "canvas")[0]
