"""Environment → one typed settings object, read when first asked for (never at import)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What every function needs to find its resources. Names match template.yaml's
    Globals.Function.Environment.Variables (case-insensitive)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    stage: str = "dev"
    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    users_table: str
    app_table: str
    imports_bucket: str
    import_queue_url: str
    release_queue_url: str
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, validated on first use (a cold start)."""
    return Settings()  # values come from the environment
