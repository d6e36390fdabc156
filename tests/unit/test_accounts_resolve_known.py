"""The account of a launch whose LMS identity is already linked (accounts/resolve.py),
over an in-memory users table: what the LMS says anew is copied (the email only when
nobody else holds it and the account belongs to this org alone; else it is kept and
audited), a link of another org is refused, and colliding writes are retried with a
bounded, jittered wait until the user is told to try again."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from coursebridge.accounts import resolve as resolve_module
from coursebridge.accounts.resolve import MAX_ATTEMPTS, AccountBusy
from coursebridge.lti.errors import LaunchRejected
from coursebridge.store.errors import AccountChanged, LinkAlreadyExists, WriteConflict
from tests.unit.accounts_launch import account, claims, link_to, resolve, teacher, the_link
from tests.unit.fake_accounts import World

pytestmark = pytest.mark.usefixtures("table_settings")


def _linked(email: str | None = "ann@school.edu", orgs=frozenset({"acme"}), **fields) -> World:
    world = World()
    world.add(account("acc_ann", email=email, orgs=set(orgs), **fields))
    world.add_link(link_to("acc_ann", lms_email=email))
    return world


def test_a_known_link_whose_lms_says_nothing_new_enters_without_writing():
    world = _linked()
    before = world.snapshot()
    outcome = resolve(world, claims())
    assert outcome.account.account_id == "acc_ann"
    assert (outcome.role, outcome.read_only) == ("STUDENT", False)
    assert world.snapshot() == before
    assert world.writes == 0


@pytest.mark.parametrize(
    ("said", "fields"),
    [
        pytest.param({"given_name": "Anna"}, "first_name", id="given-name"),
        pytest.param({"family_name": "Li"}, "last_name", id="family-name"),
        pytest.param({"name": "Anna Li"}, "display_name", id="full-name"),
        pytest.param({"given_name": "Anna", "family_name": "Li", "name": "Anna Li"},
                     "first_name,last_name,display_name", id="all-names"),
    ],
)  # fmt: skip
def test_names_the_lms_changed_are_copied_and_audited(said, fields):
    world = _linked()
    outcome = resolve(world, claims(**said))
    stored = world.accounts["acc_ann"]
    expected = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee", **said}
    as_stored = (stored.first_name, stored.last_name, stored.display_name)
    assert as_stored == (expected["given_name"], expected["family_name"], expected["name"])
    assert outcome.account == stored
    link = the_link(world)
    assert (link.lms_given_name, link.lms_family_name, link.lms_name, link.version) == (
        expected["given_name"], expected["family_name"], expected["name"], 1
    )  # fmt: skip
    [record] = world.audit
    assert (record.action, record.account_id, record.details) == (
        "updated", "acc_ann", {"fields": fields}
    )  # fmt: skip
    assert record.actor == "https://lms.example client-1 sub-1"


def test_a_teacher_launch_makes_a_linked_account_a_teacher_account():
    world = _linked()
    outcome = resolve(world, teacher())
    assert outcome.account.is_teacher and world.accounts["acc_ann"].is_teacher
    assert world.audit[0].details == {"fields": "is_teacher"}


def test_a_new_lms_email_nobody_holds_moves_the_accounts_email():
    world = _linked()
    outcome = resolve(world, claims(email="new@school.edu"))
    assert outcome.account.email == "new@school.edu"
    assert world.emails == {"new@school.edu": "acc_ann"}
    assert the_link(world).lms_email == "new@school.edu"
    assert world.audit[0].details == {"fields": "email"}


@pytest.mark.parametrize(
    ("orgs", "holder", "why"),
    [
        pytest.param({"acme"}, "acc_other", "held by another", id="held-by-another-account"),
        pytest.param({"acme", "beta"}, None, "shared with another organization",
                     id="account-of-another-org-too"),
    ],
)  # fmt: skip
def test_a_new_lms_email_that_cannot_be_copied_is_kept_and_audited(orgs, holder, why):
    world = _linked(orgs=orgs)
    if holder:
        world.add(account(holder, email="new@school.edu", orgs={"acme"}))
    outcome = resolve(world, claims(email="new@school.edu"))
    assert outcome.account.email == world.accounts["acc_ann"].email == "ann@school.edu"
    assert world.emails["ann@school.edu"] == "acc_ann"
    assert the_link(world).lms_email == "new@school.edu"  # not news at the next launch
    [record] = world.audit
    assert (record.action, record.account_id) == ("email-kept", "acc_ann")
    assert record.details == {"email": "new@school.edu", "why": why}


def test_an_email_taken_between_the_read_and_the_write_is_kept_at_the_next_attempt():
    world = _linked()
    world.before_next_write(
        lambda: world.add(account("acc_other", email="new@school.edu", orgs={"acme"}))
    )
    outcome = resolve(world, claims(email="new@school.edu"))
    assert outcome.account.email == "ann@school.edu"
    assert [r.details.get("why") for r in world.audit] == ["held by another"]


def test_an_lms_email_first_seen_is_recorded_on_the_link_without_an_audit_record():
    world = World()
    world.add(account("acc_ann", email="ann@school.edu", orgs={"acme"}))
    world.add_link(link_to("acc_ann", lms_email=None))
    resolve(world, claims())
    assert (the_link(world).lms_email, the_link(world).version) == ("ann@school.edu", 1)
    assert world.audit == []


@pytest.mark.parametrize(
    "error", [pytest.param(AccountChanged(), id="account"), pytest.param(LinkAlreadyExists(),
                                                                         id="link")]
)  # fmt: skip
def test_a_sync_that_collides_is_read_again_and_copied_once(error):
    world = _linked()
    world.refuse(error)
    outcome = resolve(world, claims(given_name="Anna"))
    assert outcome.account.first_name == "Anna"
    assert world.actions() == ["updated"]


def test_a_link_of_another_organization_is_refused_and_nothing_written():
    world = World()
    world.add(account("acc_ann", email="ann@school.edu", orgs={"beta"}))
    world.add_link(link_to("acc_ann", org_id="beta"))
    before = world.snapshot()
    with pytest.raises(LaunchRejected) as refused:
        resolve(world, claims(given_name="Anna"))
    assert (refused.value.check, refused.value.status) == ("registration", 403)
    assert str(refused.value) == "registration: this LMS account belongs to another organization"
    assert world.snapshot() == before


def test_a_link_to_a_missing_account_is_removed_and_the_launch_starts_afresh():
    world = World()
    world.add_link(link_to("acc_gone"))
    outcome = resolve(world, claims())
    assert outcome.account.account_id != "acc_gone"
    assert the_link(world).account_id == outcome.account.account_id
    assert world.actions() == ["created"]


def test_a_first_launch_that_loses_the_race_enters_the_winners_account():
    world = World()

    def winner() -> None:
        world.add(account("acc_winner", email="ann@school.edu", orgs={"acme"}))
        world.add_link(link_to("acc_winner"))

    world.before_next_write(winner)
    outcome = resolve(world, claims())
    assert outcome.account.account_id == "acc_winner"
    assert list(world.accounts) == ["acc_winner"]


@pytest.fixture
def waits(monkeypatch) -> list[tuple[float, float]]:
    """The bounds of each jittered wait between attempts (nothing really sleeps)."""
    waited: list[tuple[float, float]] = []
    monkeypatch.setattr(resolve_module, "random", SimpleNamespace(uniform=lambda a, b: (a, b)))
    monkeypatch.setattr(resolve_module, "time", SimpleNamespace(sleep=waited.append))
    return waited


def test_writes_that_keep_colliding_end_in_account_busy_after_bounded_waits(waits):
    world = World()
    world.refuse(*[WriteConflict() for _ in range(MAX_ATTEMPTS)])
    with pytest.raises(AccountBusy) as busy:
        resolve(world, claims())
    assert (busy.value.check, busy.value.status) == ("account", 503)
    assert str(busy.value) == (
        "account: Too many sign-ins to this account at the same moment. Open the activity again."
    )
    assert MAX_ATTEMPTS == 12
    assert waits == [(0, 0.005 * 2 ** min(n, 5)) for n in range(MAX_ATTEMPTS)]
    assert world.accounts == {}


def test_a_write_that_collides_once_succeeds_at_the_next_attempt(waits):
    world = World()
    world.refuse(WriteConflict())
    outcome = resolve(world, claims())
    assert world.accounts[outcome.account.account_id].email == "ann@school.edu"
    assert waits == [(0, 0.005)]
