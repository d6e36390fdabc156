"""Release Grades throughput: 1,000 students, a platform answering in 100 ms.

Measures, on the real local stack (DynamoDB Local, moto SQS/KMS/SES, the demo LMS's AGS
service with 100 ms latency on every call): POST release → the grade_release handler
run by the local SQS mapping → every score acknowledged and the release ``done``.
Also the same concurrent sender with nothing recorded (isolates AGS sending from
DynamoDB Local's write speed on a shared machine). Baseline in the same run: a naive
serial sender (one score at a time, same client and token) on a subset (100 students by
default), extrapolated to the full class.

    .venv/bin/python -m bench.grade_release [--students 1000] [--latency-ms 100] [--baseline 100]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import requests

from coursebridge.keyring import active_signing_key_id
from coursebridge.lti.ags import SCOPE_LINEITEM, SCOPE_SCORE, AgsClient, PlatformGate, Score
from coursebridge.lti.ags_token import AgsPlatform, DynamoTokenStore, TokenProvider
from coursebridge.sessions import Session, encode_session
from coursebridge.signing import KmsSigner
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, now_epoch
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.platforms import PlatformRegistration, PlatformStore
from local.environment import Ports
from local.servers import free_port
from local.stack import LocalStack

ISSUER = "https://bench-lms.example"
REGISTRATION_ID = "reg_bench"
CLIENT_ID = "bench-tool"
CLASS_ID, UNIT_ID, TEACHER = "cls_bench", "unit_bench", "acc_bench_teacher"
WARMUP_UNIT_ID = "unit_warmup"


def _seed_platform(base_url: str) -> None:
    OrgStore().create(Org(org_id="bench", name="Bench"))
    PlatformStore().add(
        PlatformRegistration(
            issuer=ISSUER,
            registration_id=REGISTRATION_ID,
            client_id=CLIENT_ID,
            deployment_ids=["d1"],
            auth_login_url=f"{base_url}/auth",
            auth_token_url=f"{base_url}/token",
            jwks_url=f"{base_url}/jwks",
            org_id="bench",
        )
    )


def _seed_unit(base_url: str, unit_id: str, students: int) -> None:
    """A unit (its own LMS context and resource link) with ``students`` graded students."""
    now = now_epoch()
    with app_table().batch_writer() as batch:
        batch.put_item(
            Item={
                **keys.unit(unit_id),
                "unitId": unit_id,
                "classId": CLASS_ID,
                "orgId": "bench",
                "title": "Bench essay",
                "maxScore": Decimal(100),
                "issuer": ISSUER,
                "registrationId": REGISTRATION_ID,
                "clientId": CLIENT_ID,
                "deploymentId": "d1",
                "resourceLinkId": f"rl-{unit_id}",
                "lineitems": f"{base_url}/ags/ctx-{unit_id}/lineitems",
                "agsScope": [SCOPE_LINEITEM, SCOPE_SCORE],
            }
        )
        batch.put_item(Item={**keys.klass(CLASS_ID), "classId": CLASS_ID, "orgId": "bench"})
        batch.put_item(
            Item={
                **keys.member(CLASS_ID, TEACHER),
                "role": "TEACHER",
                "confirmedAt": int(time.time()),  # a launch vouched for it just now
                "readOnly": False,
                "name": "Bench Teacher",
                "email": "bench-teacher@example.edu",
            }
        )
        for n in range(students):
            account_id = f"acc_{n:05d}"
            batch.put_item(
                Item={
                    **keys.member(CLASS_ID, account_id),
                    "role": "STUDENT",
                    "confirmedAt": int(time.time()),
                    "sub": f"sub-{n}",
                    "issuer": ISSUER,
                    "registrationId": REGISTRATION_ID,
                    "name": f"Student {n}",
                }
            )
            batch.put_item(
                Item={
                    **keys.grade(unit_id, account_id),
                    "classId": CLASS_ID,
                    "unitId": unit_id,
                    "accountId": account_id,
                    "sub": f"sub-{n}",
                    "issuer": ISSUER,
                    "registrationId": REGISTRATION_ID,
                    "score": Decimal(n % 101),
                    "maxScore": Decimal(100),
                    "comment": "",
                    "gradedAt": now,
                    "gradedBy": TEACHER,
                    "version": 1,
                }
            )


def _release(stack: LocalStack, unit_id: str, students: int) -> tuple[float, str]:
    token = encode_session(
        Session(
            account_id=TEACHER,
            org_id="bench",
            issuer=ISSUER,
            registration_id=REGISTRATION_ID,
            deployment_id="d1",
            role="TEACHER",
            email="bench-teacher@example.edu",
            class_id=CLASS_ID,
            unit_id=unit_id,
        )
    )
    poller = stack.make_pollers()["GradeReleaseFunction"]
    started = time.perf_counter()
    response = requests.post(
        f"{stack.ports.tool_url}/api/classes/{CLASS_ID}/units/{unit_id}/release",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    response.raise_for_status()
    release_id = response.json()["releaseId"]
    answered = time.perf_counter() - started
    print(f"  {unit_id}: POST release answered 202 after {answered:.2f} s", flush=True)
    for _ in range(20):
        poller.poll_once(wait_seconds=1)
        status = requests.get(
            f"{stack.ports.tool_url}/api/releases/{release_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        if status["status"] == "done":
            break
    elapsed = time.perf_counter() - started
    if status["sent"] != students:
        raise SystemExit(f"release did not send every grade: {status}")
    return elapsed, release_id


def _naive_serial(base_url: str, lineitem: str, count: int) -> float:
    """One score at a time: what a sender without concurrency would do."""
    PlatformGate._gates.clear()
    signer = KmsSigner(active_signing_key_id())
    client = AgsClient(
        platform=AgsPlatform(ISSUER, CLIENT_ID, f"{base_url}/token", REGISTRATION_ID),
        scopes=frozenset({SCOPE_SCORE}),
        sign_assertion=signer.sign_jwt,
        tokens=None,
        concurrency=1,
    )
    client.tokens = TokenProvider(DynamoTokenStore(), client.request_token)
    started = time.perf_counter()
    for n in range(count):
        client.post_score(
            lineitem, Score(f"naive-{n}", Decimal(n % 101), Decimal(100), datetime.now(UTC))
        )
    return time.perf_counter() - started


class LmsProcess:
    """The demo LMS's AGS service in its own process, as a real LMS would be."""

    def __init__(self, jwks_url: str, latency_ms: int) -> None:
        command = [sys.executable, "-m", "local.demo_lms.ags_server", "--jwks", jwks_url]
        command += ["--client-id", CLIENT_ID, "--latency-ms", str(latency_ms)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith("ready "):
            self.process.kill()
            raise SystemExit(f"the demo LMS did not start: {line!r}")
        self.base_url = line.split()[1]

    def data(self) -> dict:
        return requests.get(f"{self.base_url}/gradebook/data.json", timeout=30).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class _NoStore:
    """Records nothing: isolates the AGS sender from DynamoDB Local's write speed."""

    def mark_sent(self, unit_id, grades, release_id):
        return [True] * len(grades)

    def mark_failed(self, *args, **kwargs):
        raise SystemExit(f"a score failed in the sender-only run: {args}")

    def add_progress(self, *args):
        pass


def _sender_only(base_url: str, lineitem: str, students: int) -> tuple[float, int]:
    """The same concurrent sender (send_scores) with nothing recorded; returns the time
    and how many token requests a fresh process needed (one, then cached)."""
    from coursebridge.grades.release_plan import GradeState, UnitInfo
    from coursebridge.grades.release_sender import send_scores

    PlatformGate._gates.clear()
    TokenProvider.forget_process_cache()
    app_table().delete_item(Key=keys.ags_token(_token_pk()))
    unit = UnitInfo(
        UNIT_ID, CLASS_ID, "bench", "Bench", ISSUER, CLIENT_ID, REGISTRATION_ID, "rl", Decimal(100)
    )
    grades = [
        GradeState(
            account_id=f"solo_{n}",
            sub=f"solo-{n}",
            issuer=ISSUER,
            registration_id=REGISTRATION_ID,
            score=Decimal(n % 101),
            max_score=Decimal(100),
            comment="",
            version=1,
            graded_at=now_epoch(),
            released=True,
            released_version=1,
            released_score=Decimal(n % 101),
            released_max_score=Decimal(100),
        )
        for n in range(students)
    ]
    client = AgsClient(
        platform=AgsPlatform(ISSUER, CLIENT_ID, f"{base_url}/token", REGISTRATION_ID),
        scopes=frozenset({SCOPE_SCORE}),
        sign_assertion=KmsSigner(active_signing_key_id()).sign_jwt,
    )
    started = time.perf_counter()
    outcome = send_scores(unit, grades, lineitem, client, _NoStore(), "rel_solo", None)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    if outcome.sent != students:
        raise SystemExit(f"sender-only run did not send everything: {outcome}")
    return elapsed, client.token_requests


def _token_pk() -> str:
    from coursebridge.lti.ags_token import _cache_pk

    return _cache_pk(AgsPlatform(ISSUER, CLIENT_ID, "", REGISTRATION_ID))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.grade_release")
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--baseline", type=int, default=100, help="students for the naive run")
    parser.add_argument("--warmup", type=int, default=200, help="students of the warm-up release")
    args = parser.parse_args(argv)

    saved = dict(os.environ)
    ports = Ports(http=free_port(), moto=free_port(), dynamodb=free_port(), demo_lms=free_port())
    log_dir = Path(tempfile.mkdtemp(prefix="coursebridge-bench-"))
    stack = LocalStack(ports, log_dir=log_dir, pollers=False).start()
    lms = None
    try:
        lms = LmsProcess(f"{ports.tool_url}/.well-known/jwks.json", args.latency_ms)
        _seed_platform(lms.base_url)
        # Warm-up (not measured): one smaller release through the same path, so the JVM
        # of DynamoDB Local has compiled its write paths, as a long-running service has.
        _seed_unit(lms.base_url, WARMUP_UNIT_ID, args.warmup)
        _release(stack, WARMUP_UNIT_ID, args.warmup)
        warmup_tokens = lms.data()["tokenRequests"]
        TokenProvider.forget_process_cache()  # the measured release gets its own token:
        app_table().delete_item(Key=keys.ags_token(_token_pk()))  # cold token cache
        _seed_unit(lms.base_url, UNIT_ID, args.students)
        elapsed, _ = _release(stack, UNIT_ID, args.students)
        data = lms.data()
        tokens = data["tokenRequests"] - warmup_tokens
        received = sum(score["contextId"] == f"ctx-{UNIT_ID}" for score in data["scores"])
        (lineitem,) = (item["id"] for item in data["lineItems"][f"ctx-{UNIT_ID}"].values())
        solo, solo_tokens = _sender_only(lms.base_url, lineitem, args.students)
        naive = _naive_serial(lms.base_url, lineitem, args.baseline)
    finally:
        if lms:
            lms.stop()
        stack.stop()
        os.environ.clear()
        os.environ.update(saved)

    naive_full = naive * args.students / args.baseline
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"students: {args.students}, platform latency: {args.latency_ms} ms per call")
    print(f"warm-up before measuring: one release of {args.warmup} students (not counted)")
    print(f"machine: {os.cpu_count()} cores, load average {load} (other work shares the CPUs)")
    print(
        f"release (POST → SQS → grade_release → all scores acknowledged → done): "
        f"{elapsed:.2f} s, {received} scores received, {tokens} token request(s)"
    )
    print(
        f"AGS sender alone (same code, grades not recorded in DynamoDB Local): {solo:.2f} s "
        f"for {args.students} scores, {solo_tokens} token request(s)"
    )
    print(
        f"baseline naive serial sender: {naive:.2f} s for {args.baseline} students, "
        f"extrapolated to {args.students}: {naive_full:.1f} s"
    )
    print(
        f"speed-up vs naive: end to end {naive_full / elapsed:.1f}x, sender alone "
        f"{naive_full / solo:.1f}x; target ≤ 10 s end to end with at most one token request: "
        f"{'met' if elapsed <= 10 and tokens <= 1 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
