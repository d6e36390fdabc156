"""Every DynamoDB key of both tables, spelled once (docs/DATA.md lists the items).

A partition key names the entity itself, never a constant that every user, import or
launch writes to: DynamoDB serves each partition key value from one partition (about
1,000 write units a second), so a shared value would be the ceiling of the whole
deployment. Where one value would collect an organization's records (audit), it is
write-sharded and read back by querying every shard.

Users table (``platform`` + ``userId``): the partition names the kind and the entity,
the sort key repeats the entity's own id, so two ids that spell the same partition
(``ISSUED#a#b`` + ``c`` and ``ISSUED#a`` + ``b#c``) still differ in the sort key, and
``attribute_not_exists(userId)`` on a claim means "nobody holds it".
App table (``pk`` + ``sk``, GSI ``gsi1``): items that a query reads together share a
partition — a class's members, a unit's grades and visits — and that partition is the
class's or the unit's own.

This module imports nothing: any layer may spell a key with it.
"""

from __future__ import annotations

import hashlib

Key = dict[str, str]

# ---------------------------------------------------------------------- users table
ACCOUNT = "ACCOUNT#"
EMAIL = "EMAIL#"
ISSUED = "ISSUED#"
LINK = "LINK#"
USERNAME = "USERNAME#"
MAX_SUB_BYTES = 1000  # a sub longer than this is keyed by its digest (keys hold 1024/2048 bytes)


def account(account_id: str) -> Key:
    return {"platform": ACCOUNT + account_id, "userId": account_id}


def email_claim(email: str) -> Key:
    """The claim on a (lower-case) email: which account holds it."""
    return {"platform": EMAIL + email, "userId": email}


def issued_claim(school_id: str, issued_id: str) -> Key:
    """The claim on a school's issuedID."""
    return {"platform": f"{ISSUED}{school_id}#{issued_id}", "userId": issued_id}


def username_claim(username: str) -> Key:
    """The claim on a (lower-case) username: which account holds it."""
    return {"platform": USERNAME + username, "userId": username}


def sub_key(sub: str) -> str:
    """``sub`` as it is keyed; an (absurdly) long one by its digest."""
    if len(sub.encode()) <= MAX_SUB_BYTES:
        return sub
    return "sha256:" + hashlib.sha256(sub.encode()).hexdigest()


def lms_link(registration_id: str, sub: str) -> Key:
    """The LMS identity ``sub`` as vouched for by one platform registration."""
    keyed = sub_key(sub)
    return {"platform": f"{LINK}{registration_id}#{keyed}", "userId": keyed}


def claim_of(key: Key) -> tuple[str, str] | None:
    """("email", email), ("username", username) or ("issued:<school>", issuedID) for a
    claim's key, else None."""
    platform, value = str(key.get("platform", "")), str(key.get("userId", ""))
    if platform == EMAIL + value:
        return "email", value
    if platform == USERNAME + value:
        return "username", value
    if platform.startswith(ISSUED) and platform.endswith("#" + value):
        return "issued:" + platform[len(ISSUED) : -len(value) - 1], value
    return None


def is_account(key: Key) -> bool:
    return str(key.get("platform", "")).startswith(ACCOUNT)


def is_lms_link(key: Key) -> bool:
    return str(key.get("platform", "")).startswith(LINK)


# ---------------------------------------------------------------------- app table
META = "META"
MEMBER = "MEMBER#"
VISIT = "VISIT#"
GRADE = "GRADE#"
GRADES = "GRADES"  # sorts right after every "GRADE#…" item: one query reads both
ADMIN = "ADMIN#"
VERIFY = "VERIFY#"
INVITE = "INVITE#"
REGURL = "REGURL#"
RESET = "RESET#"
AUDIT_SHARDS = 16


def org(org_id: str) -> Key:
    return {"pk": f"ORG#{org_id}", "sk": META}


def school(school_id: str) -> Key:
    return {"pk": f"SCHOOL#{school_id}", "sk": META}


def admin(org_id: str, school_id: str, account_id: str) -> Key:
    return {"pk": org(org_id)["pk"], "sk": f"{ADMIN}{school_id}#{account_id}"}


def platform(issuer: str, client_id: str) -> Key:
    return {"pk": platforms_of_issuer(issuer), "sk": f"CLIENT#{client_id}"}


def platforms_of_issuer(issuer: str) -> str:
    """Registrations of one issuer share a partition: a login may name no client_id."""
    return f"PLATFORM#{issuer}"


def platforms_of_org(org_id: str) -> str:
    """gsi1 partition: an organization's registrations."""
    return f"ORG#{org_id}#PLATFORMS"


KEYRING = {"pk": "KEYRING", "sk": "SIGNING"}  # one item, read (cached) by signing only


def lti_state(state: str) -> Key:
    return {"pk": f"LTISTATE#{state}", "sk": "LOGIN"}


def verification(token_hash: str) -> Key:
    return {"pk": VERIFY + token_hash, "sk": "TOKEN"}


def invitation(token_hash: str) -> Key:
    return {"pk": INVITE + token_hash, "sk": "TOKEN"}


def registration_url(token_hash: str) -> Key:
    """A Dynamic Registration URL, by the SHA-256 of its token (never the token): one
    item per URL, read by key."""
    return {"pk": REGURL + token_hash, "sk": "TOKEN"}


def password_reset(token_hash: str) -> Key:
    return {"pk": RESET + token_hash, "sk": "TOKEN"}


def is_emailed_token(key: Key) -> bool:
    return str(key.get("pk", "")).startswith((VERIFY, INVITE, RESET))


def password_reset_address(email: str) -> Key:
    """Password reset emails sent to one address in the current window."""
    digest = hashlib.sha256(email.lower().encode()).hexdigest()
    return {"pk": f"RESETADDR#{digest}", "sk": "WINDOW"}


def password_reset_client(address: str) -> Key:
    """Password reset requests from one client address in the current window."""
    digest = hashlib.sha256(address.encode()).hexdigest()
    return {"pk": f"RESETFROM#{digest}", "sk": "WINDOW"}


def sign_in_failures(scope: str, value: str) -> Key:
    """Failed sign-ins of one account (``scope`` "ACCOUNT", the account id), one typed
    name that is no account ("NAME") or one client address ("ADDRESS"); names and
    addresses by their SHA-256, so neither is stored."""
    keyed = value if scope == "ACCOUNT" else hashlib.sha256(value.encode()).hexdigest()
    return {"pk": f"SIGNINFAIL#{scope}#{keyed}", "sk": "FAILURES"}


def verification_sent(org_id: str, registration_id: str, sub: str) -> Key:
    return {"pk": f"VERIFYSENT#{org_id}#{registration_id}#{sub_key(sub)}", "sk": "SENT"}


def verification_address(email: str) -> Key:
    digest = hashlib.sha256(email.lower().encode()).hexdigest()
    return {"pk": f"VERIFYADDR#{digest}", "sk": "WINDOW"}


def audit(org_id: str, at_ms: int, nonce: str) -> Key:
    """An audit record: in one of the org's ``AUDIT_SHARDS`` partitions, chosen by its
    random nonce, so an organization's launches spread their records evenly."""
    shard = int(hashlib.sha256(nonce.encode()).hexdigest()[:8], 16) % AUDIT_SHARDS
    return {"pk": f"AUDIT#{org_id}#{shard}", "sk": f"{at_ms:013d}#{nonce}"}


def audit_partitions(org_id: str) -> list[str]:
    return [f"AUDIT#{org_id}#{shard}" for shard in range(AUDIT_SHARDS)]


def course_map(registration_id: str, deployment_id: str, context_key: str) -> Key:
    return {"pk": f"COURSEMAP#{registration_id}#{deployment_id}#{context_key}", "sk": "MAP"}


def link_map(registration_id: str, deployment_id: str, resource_link_id: str) -> Key:
    return {"pk": f"LINKMAP#{registration_id}#{deployment_id}#{resource_link_id}", "sk": "MAP"}


def class_partition(class_id: str) -> str:
    return f"CLASS#{class_id}"


def klass(class_id: str) -> Key:
    return {"pk": class_partition(class_id), "sk": META}


def units_of_class(class_id: str) -> str:
    """gsi1 partition: a class's units (sort key ``unit_index_sort``)."""
    return f"CLASS#{class_id}#UNITS"


def unit_index_sort(created_at: int, unit_id: str) -> str:
    return f"{created_at:012d}#{unit_id}"


def unit_partition(unit_id: str) -> str:
    return f"UNIT#{unit_id}"


def unit(unit_id: str) -> Key:
    return {"pk": unit_partition(unit_id), "sk": META}


def member(class_id: str, account_id: str) -> Key:
    return {"pk": class_partition(class_id), "sk": MEMBER + account_id}


def member_ids(key: Key) -> tuple[str, str]:
    """(classId, accountId) of a membership's key."""
    return key["pk"].removeprefix("CLASS#"), key["sk"].removeprefix(MEMBER)


def classes_of_account(account_id: str) -> str:
    """gsi1 partition: the classes an account is a member of (sort key = classId)."""
    return f"ACCOUNT#{account_id}#CLASSES"


def visit(unit_id: str, account_id: str) -> Key:
    return {"pk": unit_partition(unit_id), "sk": VISIT + account_id}


def grade(unit_id: str, account_id: str) -> Key:
    return {"pk": unit_partition(unit_id), "sk": GRADE + account_id}


def grade_ids(key: Key) -> tuple[str, str]:
    """(unitId, accountId) of a grade's key."""
    return key["pk"].removeprefix("UNIT#"), key["sk"].removeprefix(GRADE)


def gradebook(unit_id: str) -> Key:
    """The unit's release epoch (sorts right after its grades)."""
    return {"pk": unit_partition(unit_id), "sk": GRADES}


def deep_link(class_id: str, account_id: str) -> Key:
    return {"pk": class_partition(class_id), "sk": f"DEEPLINK#{account_id}"}


def release(release_id: str) -> Key:
    return {"pk": f"RELEASE#{release_id}", "sk": META}


def releases_of_unit(unit_id: str) -> str:
    """gsi1 partition: a unit's releases (sort key ``<createdAt>#<releaseId>``)."""
    return f"UNIT#{unit_id}#RELEASES"


def ags_token(digest: str) -> Key:
    return {"pk": f"AGSTOKEN#{digest}", "sk": "TOKEN"}


def ags_token_lease(digest: str) -> Key:
    return {"pk": f"AGSTOKEN#{digest}", "sk": "LEASE"}


def import_job(bucket: str, object_key: str, version: str) -> Key:
    return {"pk": f"IMPORT#{bucket}/{object_key}", "sk": f"VERSION#{version}"}


def import_jobs_of(bucket: str, object_key: str) -> str:
    """The partition of every version of one upload's key."""
    return f"IMPORT#{bucket}/{object_key}"


def imports_of_admin(admin_id: str) -> str:
    """gsi1 partition: one admin's accepted uploads, newest last (sort key
    ``import_index_sort``); the admin's own partition, written once per checkpoint."""
    return f"ACCOUNT#{admin_id}#IMPORTS"


def import_index_sort(started_at: int, job_id: str) -> str:
    return f"{started_at:012d}#{job_id}"


def import_rows(job_id: str) -> str:
    """The partition of one job's duplicate and failed rows (read back for its report)."""
    return f"IMPORTROW#{job_id}"


def import_duplicate(job_id: str, row: str, field: str) -> Key:
    return {"pk": import_rows(job_id), "sk": f"DUP#{row}#{field}"}


def import_failure(job_id: str, row: str) -> Key:
    return {"pk": import_rows(job_id), "sk": f"ERR#{row}"}


# ---------------------------------------------------------------------- rosters (NRPS)
ROSTER = "ROSTER#"
ROSTER_SHARDS = 24  # the schedule visits one shard an hour: every class once a day


def roster_shard(class_id: str) -> int:
    """The schedule's shard of a class (stable: a digest of its id)."""
    return int(hashlib.sha256(class_id.encode()).hexdigest()[:8], 16) % ROSTER_SHARDS


def roster_source(class_id: str, registration_id: str, deployment_id: str, context_id: str) -> Key:
    """A course whose roster the class follows, in the class's own partition (a class's
    members and its roster sources are read together by nothing, but belong together)."""
    digest = hashlib.sha256(f"{deployment_id}\n{context_id}".encode()).hexdigest()[:32]
    return {"pk": class_partition(class_id), "sk": f"{ROSTER}{registration_id}#{digest}"}


def roster_sources_in(shard: int) -> str:
    """gsi1 partition: the roster sources the schedule syncs in one hour of the day."""
    return f"ROSTERSYNC#{shard:02d}"


def copy_notice(registration_id: str, deployment_id: str, context_id: str) -> Key:
    """What an LMS's LtiContextCopyNotice said a new course was copied from."""
    return {"pk": f"COPYNOTICE#{registration_id}#{deployment_id}#{context_id}", "sk": "NOTICE"}
