"""Which upload this is and how to import it: the S3 key and the object metadata."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

TRUE_VALUES = {"true", "1", "yes", "on"}
# The folder the Admin Portal puts each upload in: ``<UTC timestamp>-<8 hex digits>``.
PORTAL_FOLDER = r"\d{8}T\d{6}Z-[0-9a-f]{8}"
_IN_PORTAL_FOLDER = re.compile(rf"^{PORTAL_FOLDER}/[^/]+$")


class NotAnUpload(Exception):
    """The key is not ``uploads/<adminAccountId>/<name>``: nobody to report to."""


@dataclass(frozen=True)
class Upload:
    """One object version under ``uploads/<adminAccountId>/``."""

    bucket: str
    key: str
    version: str  # S3 version id, or the ETag when the bucket is not versioned

    @property
    def admin_id(self) -> str:
        return self.key.split("/")[1]

    @property
    def file_name(self) -> str:
        """The name as uploaded, e.g. ``Fall Roster.csv`` (sub-folders kept)."""
        return self.key.split("/", 2)[2]

    @property
    def shown_name(self) -> str:
        """The name the admin gave the file: a portal upload's without its folder."""
        name = self.file_name
        return name.split("/", 1)[1] if _IN_PORTAL_FOLDER.match(name) else name

    @property
    def report_stem(self) -> str:
        name = self.file_name
        return name[:-4] if name.lower().endswith(".csv") else name

    @property
    def job_id(self) -> str:
        digest = hashlib.sha256(f"{self.bucket}/{self.key}#{self.version}".encode()).hexdigest()
        return digest[:32]

    @staticmethod
    def check_key(key: str) -> None:
        parts = key.split("/")
        if len(parts) < 3 or parts[0] != "uploads" or not parts[1] or not parts[-1]:
            raise NotAnUpload(key)


@dataclass(frozen=True)
class ImportOptions:
    send_welcome: bool = False
    dry_run: bool = False
    custom_password: str | None = None

    @classmethod
    def from_metadata(cls, metadata: dict[str, str]) -> ImportOptions:
        """S3 lower-cases user metadata names; values are free text."""
        meta = {k.lower(): v for k, v in metadata.items()}
        password = meta.get("custom-password") or None
        return cls(
            send_welcome=meta.get("send-welcome", "").strip().lower() in TRUE_VALUES,
            dry_run=meta.get("dry-run", "").strip().lower() in TRUE_VALUES,
            custom_password=password,
        )

    def __repr__(self) -> str:  # never print the password
        return (
            f"ImportOptions(send_welcome={self.send_welcome}, dry_run={self.dry_run}, "
            f"custom_password={'***' if self.custom_password else None})"
        )
