"""Create the template's tables, bucket, queues, keys and secrets on the local servers.

Each resource is built from its own Properties in template.yaml, so the local
schema cannot drift from what `sam deploy` creates.
"""

from __future__ import annotations

import json
import secrets

import boto3

from local.template import Template, local_name

# Table properties DynamoDB Local understands; the rest (PITR, SSE, TTL) are
# applied through their own API calls or are meaningless locally.
_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")


class Provisioner:
    def __init__(self, template: Template, moto_url: str, dynamodb_url: str) -> None:
        self.template = template
        region = template.pseudo["AWS::Region"]
        common = {
            "region_name": region,
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
        }
        self.dynamodb = boto3.client("dynamodb", endpoint_url=dynamodb_url, **common)
        self.s3 = boto3.client("s3", endpoint_url=moto_url, **common)
        self.sqs = boto3.client("sqs", endpoint_url=moto_url, **common)
        self.kms = boto3.client("kms", endpoint_url=moto_url, **common)
        self.secrets = boto3.client("secretsmanager", endpoint_url=moto_url, **common)
        self.ses = boto3.client("ses", endpoint_url=moto_url, **common)

    # ---------------------------------------------------------------- everything
    def provision_all(self) -> None:
        """Create every resource the functions reference, in dependency order."""
        self.provision_queues()
        self.provision_tables()
        self.provision_keys()
        self.provision_secrets()
        self.provision_buckets()
        self.provision_apis()
        self.verify_sender()

    def provision_apis(self) -> None:
        """The HTTP API is the local stack's own server: its id resolves to ``local`` (the
        stack sets PUBLIC_BASE_URL, which uses it, to the server's address)."""
        for logical_id in self.template.of_type("AWS::Serverless::HttpApi"):
            self.template.physical[logical_id] = {"Ref": "local"}

    # ---------------------------------------------------------------- DynamoDB
    def table_definitions(self) -> dict[str, dict]:
        definitions = {}
        for logical_id, res in self.template.of_type("AWS::DynamoDB::Table").items():
            props = res["Properties"]
            definition = {k: props[k] for k in _TABLE_KEYS if k in props}
            definition["TableName"] = local_name(logical_id)
            definitions[logical_id] = definition
        return definitions

    def provision_tables(self) -> None:
        for logical_id, definition in self.table_definitions().items():
            name = definition["TableName"]
            self.dynamodb.create_table(**definition)
            ttl = self.template.resources[logical_id]["Properties"].get("TimeToLiveSpecification")
            if ttl:
                self.dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
            arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{name}"
            self.template.physical[logical_id] = {"Ref": name, "Arn": arn}

    def reset_tables(self) -> None:
        """Drop and recreate every table: a clean slate in milliseconds."""
        for definition in self.table_definitions().values():
            self.dynamodb.delete_table(TableName=definition["TableName"])
        self.provision_tables()

    # ---------------------------------------------------------------- SQS
    def provision_queues(self) -> None:
        queues = self.template.of_type("AWS::SQS::Queue")
        # Dead-letter queues first: the others reference their ARN.
        ordered = sorted(queues, key=lambda q: "RedrivePolicy" in queues[q].get("Properties", {}))
        for logical_id in ordered:
            props = dict(queues[logical_id].get("Properties", {}))
            attributes = {}
            for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds"):
                if key in props:
                    attributes[key] = str(props[key])
            if "RedrivePolicy" in props:
                attributes["RedrivePolicy"] = json.dumps(
                    self.template.resolve(props["RedrivePolicy"])
                )
            name = local_name(logical_id)
            url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            self.template.physical[logical_id] = {"Ref": url, "Arn": arn, "QueueName": name}

    def reset_queues(self) -> None:
        """Delete and recreate the queues (PurgeQueue allows one call a minute).
        Names, URLs and ARNs stay the same, so the bucket notification still fits."""
        for logical_id in self.template.of_type("AWS::SQS::Queue"):
            self.sqs.delete_queue(QueueUrl=self.template.physical[logical_id]["Ref"])
        self.provision_queues()

    # ---------------------------------------------------------------- KMS
    def provision_keys(self) -> None:
        for logical_id, res in self.template.of_type("AWS::KMS::Key").items():
            props = res["Properties"]
            key = self.kms.create_key(
                Description=props.get("Description", logical_id),
                KeySpec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
                KeyUsage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
                Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags", [])],
            )["KeyMetadata"]
            self.template.physical[logical_id] = {"Ref": key["KeyId"], "Arn": key["Arn"]}
        for logical_id, res in self.template.of_type("AWS::KMS::Alias").items():
            props = self.template.resolve(res["Properties"])
            self.kms.create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
            self.template.physical[logical_id] = {"Ref": props["AliasName"]}

    # ---------------------------------------------------------------- Secrets Manager
    def provision_secrets(self) -> None:
        for logical_id, res in self.template.of_type("AWS::SecretsManager::Secret").items():
            spec = res["Properties"].get("GenerateSecretString", {})
            value = secrets.token_urlsafe(int(spec.get("PasswordLength", 64)))
            arn = self.secrets.create_secret(Name=local_name(logical_id), SecretString=value)["ARN"]
            self.template.physical[logical_id] = {"Ref": arn}

    # ---------------------------------------------------------------- S3
    def provision_buckets(self) -> None:
        for logical_id, res in self.template.of_type("AWS::S3::Bucket").items():
            props = res["Properties"]
            name = local_name(logical_id)
            self.s3.create_bucket(Bucket=name)
            self.template.physical[logical_id] = {
                "Ref": name,
                "Arn": f"arn:aws:s3:::{name}",
            }
            if props.get("VersioningConfiguration"):
                self.s3.put_bucket_versioning(
                    Bucket=name, VersioningConfiguration=props["VersioningConfiguration"]
                )
            cors = props.get("CorsConfiguration")
            if cors:
                self.s3.put_bucket_cors(Bucket=name, CORSConfiguration=_cors(self.template, cors))
            notifications = props.get("NotificationConfiguration", {})
            queue_configs = []
            for config in notifications.get("QueueConfigurations", []):
                entry = {
                    "QueueArn": self.template.resolve(config["Queue"]),
                    "Events": [config["Event"]],
                }
                rules = config.get("Filter", {}).get("S3Key", {}).get("Rules")
                if rules:
                    entry["Filter"] = {"Key": {"FilterRules": rules}}
                queue_configs.append(entry)
            if queue_configs:
                self.s3.put_bucket_notification_configuration(
                    Bucket=name,
                    NotificationConfiguration={"QueueConfigurations": queue_configs},
                )

    def empty_buckets(self) -> None:
        for logical_id in self.template.of_type("AWS::S3::Bucket"):
            bucket = self.template.physical[logical_id]["Ref"]
            paginator = self.s3.get_paginator("list_object_versions")
            for page in paginator.paginate(Bucket=bucket):
                doomed = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                ]
                if doomed:
                    self.s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed})

    # ---------------------------------------------------------------- SES
    def verify_sender(self) -> None:
        sender = self.template.parameter_default("SenderEmail")
        self.ses.verify_email_identity(EmailAddress=sender)
        # moto only sends from verified identities; locally any domain may send.
        self.ses.verify_domain_identity(Domain=sender.split("@", 1)[1])


def _cors(template: Template, cors: dict) -> dict:
    """A bucket's ``CorsConfiguration`` in the S3 API's shape (``MaxAge`` is
    ``MaxAgeSeconds`` there)."""
    rules = []
    for rule in template.resolve(cors["CorsRules"]):
        entry = {k: v for k, v in rule.items() if k != "MaxAge"}
        if "MaxAge" in rule:
            entry["MaxAgeSeconds"] = int(rule["MaxAge"])
        rules.append(entry)
    return {"CORSRules": rules}
