"""The uploaded object on S3: its head, a byte stream from any offset, the metadata
rewrite that drops the password once the import is done."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from botocore.exceptions import ClientError

from coursebridge import aws

CHUNK_BYTES = 256 * 1024
PROCESSED_MARK = "cb-imported"  # metadata on our own rewrite: never import it again


@dataclass(frozen=True)
class ObjectHead:
    size: int
    etag: str
    version_id: str | None
    metadata: dict[str, str]
    last_modified: int  # when S3 stored this version (epoch seconds)


class UploadedObject:
    def __init__(self, bucket: str, key: str, version_id: str | None) -> None:
        self.bucket = bucket
        self.key = key
        self.version_id = version_id
        self.s3 = aws.client("s3")

    def _version(self) -> dict:
        return {"VersionId": self.version_id} if self.version_id else {}

    def head(self) -> ObjectHead | None:
        try:
            response = self.s3.head_object(Bucket=self.bucket, Key=self.key, **self._version())
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NoSuchVersion"):
                return None
            raise
        return ObjectHead(
            size=int(response["ContentLength"]),
            etag=response["ETag"].strip('"'),
            version_id=response.get("VersionId"),
            metadata=dict(response.get("Metadata") or {}),
            last_modified=int(response["LastModified"].timestamp()),
        )

    def chunks(self, start: int = 0) -> Iterator[bytes]:
        """Stream the object from byte ``start`` (memory: one chunk at a time)."""
        kwargs = self._version()
        if start:
            kwargs["Range"] = f"bytes={start}-"
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self.key, **kwargs)["Body"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "InvalidRange":  # start == size
                return
            raise
        try:
            yield from body.iter_chunks(CHUNK_BYTES)
        finally:
            body.close()

    def drop_password(self, head: ObjectHead, job_id: str) -> None:
        """Rewrite the object without ``custom-password`` (a new version, marked as
        ours so its notification is ignored); the old version, which still carries
        the password, is deleted."""
        metadata = {k: v for k, v in head.metadata.items() if k.lower() != "custom-password"}
        metadata[PROCESSED_MARK] = job_id
        source = {"Bucket": self.bucket, "Key": self.key, **self._version()}
        self.s3.copy_object(
            Bucket=self.bucket,
            Key=self.key,
            CopySource=source,
            Metadata=metadata,
            MetadataDirective="REPLACE",
        )
        if self.version_id and "custom-password" in {k.lower() for k in head.metadata}:
            self.s3.delete_object(Bucket=self.bucket, Key=self.key, VersionId=self.version_id)
