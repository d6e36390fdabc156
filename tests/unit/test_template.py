"""template.yaml is deployable as the code expects: handlers exist, queues have DLQs,
every function's environment resolves, least-privilege policies have no wildcards."""

from __future__ import annotations

import pytest

from local.template import ROOT, Template

TEMPLATE = Template()
FUNCTIONS = TEMPLATE.functions()


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.logical_id)
def test_every_function_handler_file_exists(spec):
    module, _, attr = spec.handler.rpartition(".")
    path = spec.code_uri / f"{module}.py"
    assert path.is_file(), f"{spec.logical_id}: {path} missing"
    assert f"def {attr}(" in path.read_text()


def test_every_work_queue_has_a_dead_letter_queue():
    queues = TEMPLATE.of_type("AWS::SQS::Queue")
    dlqs = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q.get("Properties", {})
    }
    work_queues = {name for name in queues if name not in dlqs}
    assert work_queues, "no work queues found"
    for name in work_queues:
        policy = queues[name]["Properties"].get("RedrivePolicy")
        assert policy, f"{name} has no RedrivePolicy"
        assert policy["maxReceiveCount"] >= 1


def test_every_dlq_has_a_depth_alarm():
    queues = TEMPLATE.of_type("AWS::SQS::Queue")
    dlqs = [name for name in queues if name.endswith("DLQ")]
    alarmed = {
        dim["Value"]["Fn::GetAtt"][0]
        for alarm in TEMPLATE.of_type("AWS::CloudWatch::Alarm").values()
        for dim in alarm["Properties"].get("Dimensions", [])
        if isinstance(dim["Value"], dict) and "Fn::GetAtt" in dim["Value"]
    }
    assert set(dlqs) <= alarmed


def test_every_function_has_an_error_alarm():
    alarmed = {
        dim["Value"]["Ref"]
        for alarm in TEMPLATE.of_type("AWS::CloudWatch::Alarm").values()
        for dim in alarm["Properties"].get("Dimensions", [])
        if isinstance(dim["Value"], dict) and "Ref" in dim["Value"]
    }
    assert {spec.logical_id for spec in FUNCTIONS} <= alarmed


def test_sqs_triggers_report_partial_batch_failures():
    sources = TEMPLATE.sqs_sources()
    assert {s.queue for s in sources} == {"ImportQueue", "ReleaseQueue", "RosterSyncQueue"}
    assert all(s.report_batch_item_failures for s in sources)


def test_users_table_matches_the_product_card():
    table = TEMPLATE.resources["UsersTable"]["Properties"]
    assert table["KeySchema"] == [
        {"AttributeName": "platform", "KeyType": "HASH"},
        {"AttributeName": "userId", "KeyType": "RANGE"},
    ]
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "email-index"
    assert gsi["KeySchema"] == [{"AttributeName": "email", "KeyType": "HASH"}]
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["TimeToLiveSpecification"]["Enabled"] is True


def test_imports_bucket_is_private_versioned_and_notifies_the_import_queue():
    bucket = TEMPLATE.resources["ImportsBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert bucket["BucketEncryption"]
    (notification,) = bucket["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Queue"] == {"Fn::GetAtt": ["ImportQueue", "Arn"]}
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "uploads/"}]


def test_signing_key_is_an_asymmetric_rsa_kms_key():
    key = TEMPLATE.resources["SigningKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.logical_id)
def test_policies_grant_no_wildcard_actions(spec):
    props = TEMPLATE.resources[spec.logical_id]["Properties"]
    for policy in props.get("Policies", []):
        for statement in policy.get("Statement", []):
            actions = statement["Action"]
            actions = actions if isinstance(actions, list) else [actions]
            assert not any(a == "*" or a.endswith(":*") for a in actions), statement


def test_no_secret_values_in_function_environment():
    env = TEMPLATE.globals["Environment"]["Variables"]
    for name in env:
        assert "PASSWORD" not in name and not name.endswith("_SECRET"), name


def test_layer_builds_from_requirements():
    assert (ROOT / "layers/common/requirements.txt").is_file()
    assert (ROOT / "layers/common/coursebridge/__init__.py").is_file()


def _elf_machine(path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little")


def test_built_layer_binaries_match_the_function_architecture():
    """`sam build` (run by `make test` before pytest) must produce wheels for the
    runtime's Python and the functions' architecture, or imports fail in Lambda."""
    layer = ROOT / ".aws-sam/build/CommonLayer/python"
    if not layer.is_dir():
        pytest.skip("run `make template` (sam build) first; `make test` always does")
    runtime = TEMPLATE.globals["Runtime"].replace("python", "").replace(".", "")
    (arch,) = TEMPLATE.globals["Architectures"]
    expected_machine = {"x86_64": 0x3E, "arm64": 0xB7}[arch]
    binaries = list(layer.rglob("*.so"))
    assert binaries, "no compiled modules in the layer (pydantic_core, cryptography expected)"
    for so in binaries:
        assert _elf_machine(so) == expected_machine, so
        if "cpython-" in so.name:
            assert f"cpython-{runtime}" in so.name, so


def test_release_worker_knows_the_release_queues_last_receive():
    from coursebridge.grades.release import MAX_RECEIVE_COUNT

    redrive = TEMPLATE.resources["ReleaseQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == MAX_RECEIVE_COUNT


def test_release_workers_at_once_are_bounded_so_an_lms_is_not_flooded():
    from coursebridge.lti.ags import DEFAULT_CONCURRENCY

    event = TEMPLATE.resources["GradeReleaseFunction"]["Properties"]["Events"]["Releases"]
    assert event["Properties"]["ScalingConfig"]["MaximumConcurrency"] == {
        "Ref": "ReleaseMaxConcurrency"
    }
    parameter = TEMPLATE.parameters["ReleaseMaxConcurrency"]
    assert parameter["MinValue"] == 2  # the lowest value SQS event sources accept
    assert f"{DEFAULT_CONCURRENCY} x" in parameter["Description"]


def test_cached_lms_tokens_are_encrypted_by_their_own_kms_key():
    key = TEMPLATE.resources["TokenCacheKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
    assert "TOKEN_CACHE_KEY_ID" in TEMPLATE.globals["Environment"]["Variables"]


# ---------------------------------------------------------------- hardening
def test_every_route_is_throttled_and_the_unauthenticated_lti_routes_tighter():
    api = TEMPLATE.resources["HttpApi"]["Properties"]
    assert api["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ApiRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiBurstLimit"},
    }
    lti_routes = {}
    for spec in FUNCTIONS:
        events = TEMPLATE.resources[spec.logical_id]["Properties"].get("Events", {})
        for event in events.values():
            props = event["Properties"]
            if event["Type"] == "HttpApi" and props["Path"].startswith("/lti/"):
                lti_routes[f"{props['Method']} {props['Path']}"] = props.get("RouteSettings")
    assert set(lti_routes) == {
        "GET /lti/login",
        "POST /lti/login",
        "POST /lti/launch",
        "GET /lti/register",
        "POST /lti/register",
        "GET /lti/canvas.json",
        "POST /lti/notices",
    }
    for settings in lti_routes.values():
        assert settings == {
            "ThrottlingRateLimit": {"Ref": "LtiRateLimit"},
            "ThrottlingBurstLimit": {"Ref": "LtiBurstLimit"},
        }
    default = TEMPLATE.parameter_default
    assert int(default("LtiRateLimit")) < int(default("ApiRateLimit"))
    assert int(default("LtiBurstLimit")) < int(default("ApiBurstLimit"))


@pytest.mark.parametrize(
    ("function", "parameter"),
    [
        ("LtiLoginFunction", "LoginReservedConcurrency"),
        ("CsvImportFunction", "CsvImportReservedConcurrency"),
        ("GradeReleaseFunction", "GradeReleaseReservedConcurrency"),
    ],
)
def test_reserved_concurrency_bounds_the_blast_radius(function, parameter):
    reserved = TEMPLATE.resources[function]["Properties"]["ReservedConcurrentExecutions"]
    condition, value, otherwise = reserved["Fn::If"]
    assert value == {"Ref": parameter} and otherwise == {"Ref": "AWS::NoValue"}
    assert TEMPLATE.raw["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, "-1"]}]
    }
    assert int(TEMPLATE.parameter_default(parameter)) >= 1


def test_release_workers_fit_in_their_reserved_concurrency():
    reserved = int(TEMPLATE.parameter_default("GradeReleaseReservedConcurrency"))
    assert reserved >= int(TEMPLATE.parameter_default("ReleaseMaxConcurrency"))


def test_traces_never_record_a_handlers_answer():
    """Launch redirects (``?cb_session=``, Set-Cookie) and pages carry the session."""
    env = TEMPLATE.globals["Environment"]["Variables"]
    assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    sources = [*ROOT.glob("functions/*/app.py"), *ROOT.glob("layers/common/coursebridge/**/*.py")]
    for source in sources:
        assert "capture_response=True" not in source.read_text(), source


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.logical_id)
def test_every_function_logs_to_its_own_group_with_retention(spec):
    config = TEMPLATE.resources[spec.logical_id]["Properties"]["LoggingConfig"]
    group = TEMPLATE.resources[config["LogGroup"]["Ref"]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_api_access_logs_have_the_same_retention():
    logs = TEMPLATE.resources["HttpApiAccessLogs"]["Properties"]
    assert logs["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_api_answers_no_credentialed_cross_origin_requests():
    api = TEMPLATE.resources["HttpApi"]["Properties"]
    assert "CorsConfiguration" not in api
    assert "AllowedOrigins" not in TEMPLATE.parameters


def test_no_deployed_function_may_fetch_from_loopback():
    from coursebridge.outbound.policy import LOOPBACK_SETTING

    assert LOOPBACK_SETTING not in TEMPLATE.globals["Environment"]["Variables"]
    for spec in FUNCTIONS:
        props = TEMPLATE.resources[spec.logical_id]["Properties"]
        assert LOOPBACK_SETTING not in props.get("Environment", {}).get("Variables", {})
