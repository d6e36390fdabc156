"""Environment → one typed settings object, read when first asked for (never at import).

A plain pydantic model filled from ``os.environ``: a settings library would cost every
Lambda cold start ~40 ms of imports for what one dictionary comprehension does here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from pydantic import ConfigDict, Field

from coursebridge.model import Model


class Settings(Model):
    """What every function needs to find its resources. Names match template.yaml's
    Globals.Function.Environment.Variables (case-insensitive)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    stage: str = "dev"
    region: str = "us-east-1"  # from AWS_REGION
    users_table: str
    app_table: str
    imports_bucket: str
    import_queue_url: str
    release_queue_url: str
    roster_sync_queue_url: str = ""  # the roster sync worker's queue (classes/roster_sync.py)
    signing_key_id: str
    token_cache_key_id: str = ""  # KMS key that encrypts cached LMS access tokens
    session_secret_arn: str
    sender_email: str = "no-reply@example.com"
    # The tool's public origin, for links in emails the CLI sends (a deployed stack's
    # ApiUrl output; the local stack's HTTP address).
    public_base_url: str = ""
    lti_leeway_seconds: int = Field(default=60, ge=0, le=300)
    # CSV import limits: a file over either is rejected whole, with a file error.
    import_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    import_max_rows: int = Field(default=200_000, ge=1)
    # A class membership not confirmed by a launch for this long grants nothing
    # (store/members.py, Member.is_current).
    membership_max_age_days: int = Field(default=180, ge=1)
    # Welcome emails per second (stay under the SES account's sending rate).
    welcome_emails_per_second: float = Field(default=10.0, gt=0)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The fields named in ``environ`` (default: this process's), any case;
        ``region`` comes from ``AWS_REGION``, as Lambda sets it."""
        values = {k.lower(): v for k, v in (os.environ if environ is None else environ).items()}
        fields = {name: values[name] for name in cls.model_fields if name in values}
        fields.pop("region", None)
        if "aws_region" in values:
            fields["region"] = values["aws_region"]
        return cls.model_validate(fields)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, validated on first use (a cold start)."""
    return Settings.from_environment()
