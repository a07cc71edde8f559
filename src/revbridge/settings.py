"""Settings from the environment (``REVBRIDGE_*``). SQLite in the working directory needs none."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///revbridge.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REVBRIDGE_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the database: a SQLite file (the default, in the working "
        "directory) or postgresql+psycopg://user:pass@host/db for a team.",
    )
    datasets: str | None = Field(None, description="Folder holding the shared public data sets (tests and benchmarks).")
    chromium: str | None = Field(
        None,
        description="The Chromium or Chrome that prints `revbridge report weekly --pdf`; default: the first of "
        "chromium, chromium-browser, google-chrome on PATH.",
    )
    webhook_url: str | None = Field(
        None,
        description="Slack-style incoming webhook that receives every kind of notification; while unset, "
        "notifications wait in the outbox.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(f"unsupported database URL {value!r}: use sqlite:///FILE or postgresql+psycopg://...")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value
